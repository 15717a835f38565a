//! The Backend API transport: headers, retries, timeouts and error bodies.

use super::*;

#[tokio::test]
async fn requests_carry_auth_version_user_agent_and_extra_headers() {
    let (mock, clerk) = start_mock_with(|b| {
        b.api_header("X-Request-Source", "tests")
            .api_header("X-Tenant", "acme")
    })
    .await;
    let user = clerk
        .users()
        .create(&with_email("h@example.com"))
        .await
        .unwrap();
    clerk.users().get(&user.id).await.unwrap();
    let requests = mock.api_requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let h = &r.headers;
        assert_eq!(
            h["authorization"],
            format!("Bearer {}", mock.secret_key()).as_str()
        );
        assert_eq!(h["clerk-api-version"], "2026-05-12");
        let agent = h["user-agent"].to_str().unwrap();
        assert!(agent.starts_with("clerk-rs/"), "{agent}");
        assert_eq!(h["x-request-source"], "tests");
        assert_eq!(h["x-tenant"], "acme");
    }
    assert_eq!(requests[0].headers["content-type"], "application/json");
    assert!(requests[1].headers.get("content-type").is_none());
    assert!(requests[0].uri.starts_with("/v1/"));
}

#[tokio::test]
async fn a_wrong_secret_key_is_a_401() {
    let (mock, clerk) = start_mock_with(|b| b.secret_key("sk_test_wrong")).await;
    assert_api_fails(
        clerk.users().get("user_1").await,
        401,
        "authentication_invalid",
        None,
    );
    assert_eq!(mock.api_requests().len(), 1);
}

#[tokio::test]
async fn missing_secret_key_fails_without_a_request() {
    let mock = MockClerk::start().await;
    let clerk = Clerk::builder()
        .without_env()
        .jwt_key(mock.jwt_key_pem())
        .api_url(mock.api_url())
        .build()
        .unwrap();
    let err = clerk.users().get("user_1").await.unwrap_err();
    assert_eq!(err, ApiError::MissingSecretKey);
    assert!(err.to_string().contains("secret key"));
    assert!(!err.is_transient());
    let err = clerk
        .users()
        .create(&CreateUserParams::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::MissingSecretKey));
    assert!(mock.api_requests().is_empty());
}

#[tokio::test]
async fn a_503_is_retried_then_succeeds() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("retry@example.com"));
    mock.inject_api_faults([Fault::Status(503)]);
    let got = clerk.users().get(&user.id).await.unwrap();
    assert_eq!(got.id, user.id);
    assert_eq!(mock.api_requests().len(), 2);
    // Every 5xx follows the spec's retry policy, PUT and DELETE too.
    mock.inject_api_faults([Fault::Status(500), Fault::Status(502), Fault::Status(504)]);
    clerk
        .users()
        .replace_metadata(&user.id, &UpdateUserMetadataParams::default())
        .await
        .unwrap();
    assert_eq!(mock.api_requests().len(), 6);
    mock.inject_api_faults([Fault::Status(503)]);
    clerk.users().delete(&user.id).await.unwrap();
    assert_eq!(mock.api_requests().len(), 8);
    assert!(mock.user_object(&user.id).is_none());
}

#[tokio::test]
async fn a_429_is_not_retried_and_holds_back_the_instance_until_retry_after() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("slow@example.com"));
    mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: 1,
    }]);
    let started = Instant::now();
    let err = clerk.users().get(&user.id).await.unwrap_err();
    assert_api_error(&err, 429, "rate_limit_exceeded");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert!(started.elapsed() < Duration::from_secs(1), "not waited for");
    assert_eq!(mock.api_requests().len(), 1, "not retried");

    // Until the wait has elapsed, every call of the instance (and of its clones) fails
    // at once without being sent, saying how long remains.
    let clone = clerk.clone();
    for err in [
        clerk.users().get(&user.id).await.unwrap_err(),
        clone
            .users()
            .create(&with_email("new@example.com"))
            .await
            .unwrap_err(),
        clerk
            .organizations()
            .list(&Default::default())
            .await
            .unwrap_err(),
    ] {
        let ApiError::BackingOff { retry_after } = err else {
            panic!("expected BackingOff, got {err:?}");
        };
        assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(1));
        assert!(err.is_rate_limited() && err.is_transient() && err.status().is_none());
        assert!(err.to_string().contains("rate-limited"), "{err}");
    }
    assert_eq!(mock.api_requests().len(), 1);
    tokio::time::sleep(Duration::from_millis(1050).saturating_sub(started.elapsed())).await;
    assert_eq!(clerk.users().get(&user.id).await.unwrap().id, user.id);
    assert_eq!(mock.api_requests().len(), 2);

    // A 429 without `Retry-After`: held back for the default wait.
    mock.inject_api_faults([Fault::Status(429)]);
    let err = clerk.users().get(&user.id).await.unwrap_err();
    assert_eq!((err.status(), err.retry_after()), (Some(429), None));
    let err = clerk.users().get(&user.id).await.unwrap_err();
    let wait = err.retry_after().unwrap();
    assert!(
        matches!(err, ApiError::BackingOff { .. }) && wait <= clerk::api::DEFAULT_RATE_LIMIT_WAIT
    );
    assert_eq!(mock.api_requests().len(), 3);
}

#[tokio::test]
async fn neither_a_429_nor_a_503_is_retried_for_posts() {
    let mock = MockClerk::start().await;
    let clerk = client_with_retry(&mock, retry_policy(2, 10, Duration::from_secs(3)));
    // 503 on a POST: the API may have acted, so it is not repeated.
    mock.inject_api_faults([Fault::Status(503)]);
    let err = clerk
        .users()
        .create(&with_email("p@example.com"))
        .await
        .unwrap_err();
    assert_api_error(&err, 503, "internal_clerk_error");
    assert!(err.is_transient());
    assert_eq!(mock.api_requests().len(), 1);
    assert_eq!(count_all(&clerk).await, 0);
    // 429: not retried either (the instance holds back instead; `Retry-After: 0` lets
    // the next call through).
    mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: 0,
    }]);
    let err = clerk
        .users()
        .create(&with_email("p@example.com"))
        .await
        .unwrap_err();
    assert_api_error(&err, 429, "rate_limit_exceeded");
    assert_eq!(mock.api_requests().len(), 3);
    let user = clerk
        .users()
        .create(&with_email("p@example.com"))
        .await
        .unwrap();
    assert_eq!(mock.api_requests().len(), 4);
    assert!(mock.user_object(&user.id).is_some());
    // PATCH is not idempotent either.
    mock.inject_api_faults([Fault::Status(502)]);
    let err = clerk
        .users()
        .update(
            &user.id,
            &params(|it: &mut UpdateUserParams| it.first_name = Some("X".into())),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(mock.api_requests().len(), 5);
    assert_eq!(
        mock.user_object(&user.id).unwrap()["first_name"],
        Value::Null
    );
}

#[tokio::test]
async fn retries_are_bounded_by_count() {
    let mock = MockClerk::start().await;
    let clerk = retrying_client(&mock, 2);
    mock.inject_api_faults(std::iter::repeat_n(Fault::Status(503), 5));
    assert_api_fails(
        clerk.users().get("user_1").await,
        503,
        "internal_clerk_error",
        None,
    );
    assert_eq!(mock.api_requests().len(), 3, "1 attempt + 2 retries");

    let clerk = retrying_client(&mock, 0);
    let before = mock.api_requests().len();
    mock.inject_api_faults([Fault::Status(503)]);
    clerk.users().get("user_1").await.unwrap_err();
    assert_eq!(mock.api_requests().len() - before, 1, "retries disabled");
}

#[tokio::test]
async fn retries_are_bounded_by_time_budget() {
    let mock = MockClerk::start().await;
    // Backoff delays add up until the budget is spent, well before 10 retries.
    let clerk = client_with_retry(&mock, retry_policy(10, 100, Duration::from_millis(400)));
    let before = mock.api_requests().len();
    mock.inject_api_faults(std::iter::repeat_n(Fault::Status(503), 20));
    let started = Instant::now();
    let err = clerk.users().get("user_1").await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.status(), Some(503));
    let attempts = mock.api_requests().len() - before;
    assert!((2..=4).contains(&attempts), "{attempts} attempts");
    assert!(elapsed <= Duration::from_millis(600), "{elapsed:?}");
}

#[tokio::test]
async fn a_connection_closed_mid_body_is_retried_or_reported() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("mid@example.com"));
    mock.inject_api_faults([Fault::CloseMidBody]);
    assert_eq!(clerk.users().get(&user.id).await.unwrap().id, user.id);
    assert_eq!(mock.api_requests().len(), 2);

    let clerk = retrying_client(&mock, 0);
    mock.inject_api_faults([Fault::CloseMidBody]);
    let err = clerk.users().get(&user.id).await.unwrap_err();
    assert!(matches!(err, ApiError::Network(_)), "{err:?}");
    assert!(err.is_transient());
    assert!(err.to_string().contains("Clerk Backend API"), "{err}");
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let mock = MockClerk::start().await;
    let user = seed(&mock, with_email("slow@example.com"));
    // Clients with a 200 ms timeout.
    let impatient = |retries: u32| {
        mock.clerk_builder()
            .http_timeout(Duration::from_millis(200))
            .api_retry(fast_retry(retries))
            .build()
            .unwrap()
    };
    let clerk = impatient(0);
    mock.inject_api_faults([Fault::Delay(Duration::from_millis(1500))]);
    let started = Instant::now();
    let err = clerk.users().get(&user.id).await.unwrap_err();
    assert_eq!(err, ApiError::Timeout);
    assert!(err.is_transient());
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );

    // With retries, the next attempt answers in time.
    let clerk = impatient(1);
    let before = mock.api_requests().len();
    mock.inject_api_faults([Fault::Delay(Duration::from_millis(1500))]);
    assert_eq!(clerk.users().get(&user.id).await.unwrap().id, user.id);
    assert_eq!(mock.api_requests().len() - before, 2);
}

#[tokio::test]
async fn an_unreachable_api_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (_mock, clerk) = start_mock_with(|b| b.api_url(url).api_retry(fast_retry(1))).await;
    let err = clerk.users().get("user_1").await.unwrap_err();
    assert!(matches!(err, ApiError::Network(_)), "{err:?}");
    assert!(err.to_string().contains("could not connect"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn error_bodies_are_parsed() {
    let (mock, clerk) = setup().await;
    seed(&mock, with_email("dup@example.com"));
    let err = clerk
        .users()
        .create(&with_email("dup@example.com"))
        .await
        .unwrap_err();
    match &err {
        ApiError::Response {
            status,
            errors,
            clerk_trace_id,
            retry_after,
            body,
        } => {
            assert_eq!(*status, 422);
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].code, "form_identifier_exists");
            assert!(!errors[0].message.is_empty());
            assert!(errors[0].long_message.is_some());
            assert_eq!(
                errors[0].meta.as_ref().unwrap()["param_name"],
                "email_address"
            );
            assert!(clerk_trace_id
                .as_deref()
                .is_some_and(|t| t.starts_with("trace_")));
            assert_eq!(*retry_after, None);
            assert_eq!(*body, None);
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_transient());
    let shown = err.to_string();
    assert!(
        shown.contains("422") && shown.contains("form_identifier_exists"),
        "{shown}"
    );
    assert!(
        shown.contains("email_address") && shown.contains(err.trace_id().unwrap()),
        "{shown}"
    );
}

#[tokio::test]
async fn a_non_json_error_page_still_explains_itself() {
    let mock = MockClerk::start().await;
    let clerk = retrying_client(&mock, 0);
    mock.inject_api_faults([Fault::Oversized]);
    let err = clerk.users().get("user_1").await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.errors().is_empty());
    assert!(err.trace_id().is_none());
    assert!(err.is_transient());
    let ApiError::Response { body, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        body.as_deref().is_some_and(|b| b.contains("<html>")),
        "{body:?}"
    );
    let shown = err.to_string();
    assert_eq!(shown, "Clerk Backend API error 502: 502 Bad Gateway");

    // Retried when idempotent, like any 5xx.
    let clerk = retrying_client(&mock, 1);
    mock.inject_api_faults([Fault::Oversized]);
    assert!(clerk
        .users()
        .get("user_1")
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn a_malformed_success_body_is_a_decode_error() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("garbage@example.com"));
    mock.inject_api_faults([Fault::Garbage]);
    let err = clerk.users().get(&user.id).await.unwrap_err();
    let ApiError::Decode(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("User"), "{message}");
    assert!(!err.is_transient());
    // Not retried: the next call is the one that answers.
    assert_eq!(mock.api_requests().len(), 1);
    assert!(err
        .to_string()
        .contains("unexpected Backend API response body"));
    mock.inject_api_faults([Fault::Garbage]);
    let err = clerk
        .users()
        .list(&UserListParams::default())
        .await
        .unwrap_err();
    let ApiError::Decode(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("Vec<User>"), "{message}");
}
