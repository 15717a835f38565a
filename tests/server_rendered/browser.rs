//! A browser, as far as these tests need one: one cookie jar for `127.0.0.1` (cookies
//! ignore ports, so the app and the stand-in's Frontend API share it), navigations with
//! `Sec-Fetch-Dest: document`, `fetch` calls, and redirects followed one hop at a time.

use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::Response;

pub struct Browser {
    http: reqwest::Client,
    jar: Vec<(String, String)>,
}

/// One answer, read.
pub struct Hop {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Hop {
    /// The value of a query parameter of the `Location`.
    pub fn location_param(&self, name: &str) -> Option<String> {
        let location = reqwest::Url::parse(self.location.as_deref()?).ok()?;
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

impl Browser {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: Vec::new(),
        }
    }

    /// Sets `name=value` in the jar.
    pub fn set_cookie_pair(&mut self, pair: &str) {
        let (name, value) = pair.split_once('=').unwrap();
        self.jar.retain(|(n, _)| n != name);
        self.jar.push((name.to_owned(), value.to_owned()));
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn remove_cookie(&mut self, name: &str) {
        self.jar.retain(|(n, _)| n != name);
    }

    /// A page navigation (what a browser sends for a link or the address bar).
    pub async fn navigate(&mut self, url: &str) -> Hop {
        let request = self
            .http
            .get(url)
            .header("sec-fetch-dest", "document")
            .header("accept", "text/html,application/xhtml+xml");
        self.send(request).await
    }

    /// A `fetch()` of the page's script.
    pub async fn fetch(&mut self, url: &str) -> Hop {
        let request = self
            .http
            .get(url)
            .header("sec-fetch-dest", "empty")
            .header("accept", "application/json");
        self.send(request).await
    }

    /// Navigates and follows every redirect (at most `max`), returning each hop.
    pub async fn navigate_following(&mut self, url: &str, max: usize) -> Vec<Hop> {
        let mut hops = vec![self.navigate(url).await];
        while let Some(next) = hops.last().unwrap().location.clone() {
            assert!(hops.len() <= max, "more than {max} redirects");
            hops.push(self.navigate(&next).await);
        }
        hops
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Hop {
        let cookie = self
            .jar
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = if cookie.is_empty() {
            request
        } else {
            request.header("cookie", cookie)
        };
        let response = request.send().await.unwrap();
        self.read(response).await
    }

    async fn read(&mut self, response: Response) -> Hop {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let location = headers
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let set_cookies: Vec<String> = headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for cookie in &set_cookies {
            self.store(cookie);
        }
        let body = response.text().await.unwrap();
        Hop {
            status,
            location,
            set_cookies,
            headers,
            body,
        }
    }

    /// Applies one `Set-Cookie`: a deletion (empty value, `Max-Age=0` or an expiry in
    /// 1970) removes it; `Max-Age=2` (the loop counter) is kept for the test's few steps.
    fn store(&mut self, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let pair = parts.next().unwrap_or_default().trim();
        let Some((name, value)) = pair.split_once('=') else {
            return;
        };
        let deleted = value.is_empty()
            || parts.any(|a| {
                let a = a.trim().to_ascii_lowercase();
                a == "max-age=0" || a.contains("1970")
            });
        self.jar.retain(|(n, _)| n != name);
        if !deleted {
            self.jar.push((name.to_owned(), value.to_owned()));
        }
    }
}
