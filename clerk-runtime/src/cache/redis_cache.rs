//! [`RedisUserCache`]: a [`UserCache`] a fleet of servers shares through Redis.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSub};

use super::{CacheError, CacheFuture, InMemoryUserCache, UserCache};
use crate::api::User;

/// The value an invalidated key holds for [`RedisUserCacheBuilder::invalidation_hold`]:
/// never valid JSON, so never read as a user.
const TOMBSTONE: &str = "clerk:invalidated";

/// Stores a user unless its key holds the tombstone of a recent invalidation.
const PUT_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
";

/// How often the invalidation subscriber checks that its connection is alive.
const SUBSCRIBER_PING_EVERY: Duration = Duration::from_secs(5);
/// Longest wait between two attempts of the subscriber to resubscribe.
const SUBSCRIBER_MAX_BACKOFF: Duration = Duration::from_secs(2);

/// A [`UserCache`] in Redis, shared by every server (every [`Clerk`](crate::Clerk)) that
/// points at the same Redis with the same namespace. Feature `redis`.
///
/// * **Storage**: one key per user, `<key prefix><namespace>:<user id>` (default prefix
///   `clerk:user:`), holding the user as JSON, with `SET … PX <ttl>`. Use a
///   [`namespace`](RedisUserCacheBuilder::namespace) per Clerk instance (the Frontend API
///   host of its publishable key is a good one) when several applications share a Redis.
/// * **Invalidation**: [`invalidate`](UserCache::invalidate) replaces the key with a
///   short-lived tombstone and `PUBLISH`es the key on the channel
///   (default `clerk:users:invalidate`). The tombstone makes every server miss, and
///   refuses for [`invalidation_hold`](RedisUserCacheBuilder::invalidation_hold) (5 s)
///   to store a copy loaded before the change. With a
///   [`local_cache`](RedisUserCacheBuilder::local_cache) (an in-process layer in front of
///   Redis, off by default), every instance subscribes to the channel and drops the
///   user from its layer when the message arrives; the layer is bypassed and emptied
///   while the subscription is down.
/// * **Failures**: every command is bounded by [`timeout`](RedisUserCacheBuilder::timeout)
///   (200 ms); after a failure, reads and writes skip Redis for
///   [`retry_after`](RedisUserCacheBuilder::retry_after) (1 s) so that an outage costs
///   requests no waiting, while the connection is re-established in the background.
///   [`Clerk::load_user`](crate::Clerk::load_user) then serves from the Backend API.
///
/// Plain `redis://` and `unix://` URLs work as is; for `rediss://` (TLS), enable one of
/// the `redis` crate's TLS features (e.g. `tokio-rustls-comp`) in your own `Cargo.toml`.
/// The cache holds whole user objects (emails, phone numbers, `private_metadata`):
/// protect the Redis accordingly (password, TLS, private network).
///
/// Cloning is cheap; clones share the connection.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use clerk_runtime::cache::RedisUserCache;
///
/// let cache = RedisUserCache::builder("redis://127.0.0.1:6379/")
///     .ttl(Duration::from_secs(60))
///     .namespace("clerk.example.com")
///     .connect()
///     .await?;
/// let clerk = clerk_runtime::Clerk::builder().user_cache(Arc::new(cache)).build()?;
/// # let _ = clerk; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisUserCache {
    shared: Arc<Shared>,
}

struct Shared {
    conn: ConnectionManager,
    /// The key prefix including the namespace: a user's key is this and the user id.
    prefix: String,
    channel: String,
    ttl: Duration,
    timeout: Duration,
    retry_after: Duration,
    hold: Duration,
    put_script: redis::Script,
    /// `host:port` (or the socket path): never the credentials.
    server: String,
    local: Option<InMemoryUserCache>,
    /// Whether the subscriber is listening (the local layer is used only then).
    subscribed: AtomicBool,
    /// Counts the invalidations seen, so that a read overtaken by one is not kept locally.
    epoch: AtomicU64,
    /// Until when reads and writes skip Redis after a failure.
    down_until: Mutex<Option<Instant>>,
    subscriber: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(task) = self
            .subscriber
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }
}

impl fmt::Debug for RedisUserCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shared;
        f.debug_struct("RedisUserCache")
            .field("server", &s.server)
            .field("prefix", &s.prefix)
            .field("channel", &s.channel)
            .field("ttl", &s.ttl)
            .field("timeout", &s.timeout)
            .field("local_cache", &s.local.as_ref().map(InMemoryUserCache::ttl))
            .finish_non_exhaustive()
    }
}

/// Configures and connects a [`RedisUserCache`]
/// ([`RedisUserCache::builder`]).
///
/// ```no_run
/// # async fn run() -> Result<(), clerk_runtime::cache::CacheError> {
/// use std::time::Duration;
/// let cache = clerk_runtime::cache::RedisUserCache::builder("redis://:password@10.0.0.5:6379/2")
///     .ttl(Duration::from_secs(120))
///     .namespace("clerk.example.com")
///     .timeout(Duration::from_millis(100))
///     .local_cache(Duration::from_secs(5))
///     .connect()
///     .await?;
/// # let _ = cache; Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct RedisUserCacheBuilder {
    url: String,
    ttl: Duration,
    key_prefix: String,
    namespace: Option<String>,
    channel: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry_after: Duration,
    hold: Duration,
    local: Option<(Duration, usize)>,
}

impl fmt::Debug for RedisUserCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisUserCacheBuilder")
            .field("url", &"[redacted]")
            .field("ttl", &self.ttl)
            .field("key_prefix", &self.key_prefix)
            .field("namespace", &self.namespace)
            .field("channel", &self.channel)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisUserCacheBuilder {
    /// How long a user stays in Redis (default 60 s): the longest a change is missed
    /// when no invalidation arrives.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The start of every key (default `clerk:user:`).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Separates the users of this Clerk instance from those of others sharing the
    /// Redis: keys become `<prefix><namespace>:<user id>` (default: no namespace). The
    /// Frontend API host of the instance's publishable key
    /// ([`PublishableKey::frontend_api`](crate::PublishableKey::frontend_api)) is a good
    /// choice; every server of a fleet must use the same.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into()).filter(|n| !n.is_empty());
        self
    }

    /// The pub/sub channel of invalidations (default `clerk:users:invalidate`); its
    /// messages are the invalidated keys, so namespaces can share it.
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = channel.into();
        self
    }

    /// The longest one Redis command may take (default 200 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest [`connect`](Self::connect) (and each reconnection attempt) may take
    /// (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// After a failed command, reads and writes skip Redis for this long (default 1 s;
    /// zero: never skip). Invalidations are always attempted.
    pub fn retry_after(mut self, pause: Duration) -> Self {
        self.retry_after = pause;
        self
    }

    /// How long an invalidated key keeps refusing new copies (default 5 s; zero: the
    /// key is just deleted). A request that loaded the user from the Backend API just
    /// before the change would otherwise store the old copy for a whole TTL.
    pub fn invalidation_hold(mut self, hold: Duration) -> Self {
        self.hold = hold;
        self
    }

    /// Adds an in-process layer in front of Redis that keeps users for `ttl` (off by
    /// default; at most 10,000 users). Each instance then subscribes to the invalidation
    /// channel and drops a user from its layer when any server invalidates it; a change
    /// reaches the layers as fast as Redis delivers the message (about a millisecond on
    /// a local network), not before: keep `ttl` short. While the subscription is down,
    /// the layer is emptied and bypassed.
    pub fn local_cache(mut self, ttl: Duration) -> Self {
        let capacity = self.local.map_or(10_000, |(_, c)| c);
        self.local = Some((ttl, capacity)).filter(|(t, _)| !t.is_zero());
        self
    }

    /// The largest number of users in the [`local_cache`](Self::local_cache) layer.
    pub fn local_cache_capacity(mut self, capacity: usize) -> Self {
        if let Some((_, c)) = &mut self.local {
            *c = capacity;
        }
        self
    }

    /// Connects (and, with a local layer, subscribes). Fails when the URL is not a Redis
    /// URL or the server cannot be reached within the connect timeout; after that,
    /// connections lost are re-established automatically.
    pub async fn connect(self) -> Result<RedisUserCache, CacheError> {
        let client = redis::Client::open(self.url.as_str())
            .map_err(|_| CacheError::Config("the Redis URL could not be parsed".into()))?;
        let server = client.get_connection_info().addr().to_string();
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.timeout))
            .set_connection_timeout(Some(self.connect_timeout))
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_secs(1));
        let connecting = async {
            let mut conn = ConnectionManager::new_with_config(client.clone(), config).await?;
            redis::cmd("PING").query_async::<()>(&mut conn).await?;
            Ok::<_, redis::RedisError>(conn)
        };
        let conn = bounded(self.connect_timeout, connecting).await?;
        let mut prefix = self.key_prefix;
        if let Some(namespace) = &self.namespace {
            prefix.push_str(namespace);
            prefix.push(':');
        }
        let shared = Arc::new(Shared {
            conn,
            prefix,
            channel: self.channel,
            ttl: self.ttl,
            timeout: self.timeout,
            retry_after: self.retry_after,
            hold: self.hold,
            put_script: redis::Script::new(PUT_SCRIPT),
            server,
            local: self
                .local
                .map(|(ttl, capacity)| InMemoryUserCache::with_capacity(ttl, capacity)),
            subscribed: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            down_until: Mutex::new(None),
            subscriber: Mutex::new(None),
        });
        if shared.local.is_some() {
            let pubsub = bounded(self.connect_timeout, subscribe(&client, &shared.channel)).await?;
            shared.set_subscribed(true);
            let task = tokio::spawn(listen(
                client,
                shared.channel.clone(),
                self.connect_timeout,
                Arc::downgrade(&shared),
                pubsub,
            ));
            *shared.subscriber.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(task.abort_handle());
        }
        Ok(RedisUserCache { shared })
    }
}

impl RedisUserCache {
    /// [`builder`](Self::builder)`(url).ttl(ttl).connect()`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), clerk_runtime::cache::CacheError> {
    /// use std::time::Duration;
    /// let cache = clerk_runtime::cache::RedisUserCache::connect("redis://127.0.0.1/", Duration::from_secs(60)).await?;
    /// # let _ = cache; Ok(()) }
    /// ```
    pub async fn connect(url: &str, ttl: Duration) -> Result<Self, CacheError> {
        Self::builder(url).ttl(ttl).connect().await
    }

    /// A builder for the Redis at `url` (`redis://[:password@]host[:port][/db]`,
    /// `unix:///path/to/redis.sock`).
    pub fn builder(url: impl Into<String>) -> RedisUserCacheBuilder {
        RedisUserCacheBuilder {
            url: url.into(),
            ttl: Duration::from_secs(60),
            key_prefix: "clerk:user:".into(),
            namespace: None,
            channel: "clerk:users:invalidate".into(),
            timeout: Duration::from_millis(200),
            connect_timeout: Duration::from_secs(5),
            retry_after: Duration::from_secs(1),
            hold: Duration::from_secs(5),
            local: None,
        }
    }

    /// The Redis key of a user.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), clerk_runtime::cache::CacheError> {
    /// let cache = clerk_runtime::cache::RedisUserCache::builder("redis://127.0.0.1/")
    ///     .namespace("clerk.example.com")
    ///     .connect()
    ///     .await?;
    /// assert_eq!(cache.key("user_123"), "clerk:user:clerk.example.com:user_123");
    /// # Ok(()) }
    /// ```
    pub fn key(&self, user_id: &str) -> String {
        format!("{}{user_id}", self.shared.prefix)
    }

    /// The invalidation channel.
    pub fn channel(&self) -> &str {
        &self.shared.channel
    }

    /// Whether the local layer is on and listening to invalidations (`false` without a
    /// [`local_cache`](RedisUserCacheBuilder::local_cache), and while its subscription
    /// is being re-established).
    pub fn is_subscribed(&self) -> bool {
        self.shared.subscribed.load(Ordering::Acquire)
    }
}

async fn bounded<T>(
    limit: Duration,
    op: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, CacheError> {
    match tokio::time::timeout(limit, op).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(CacheError::Unavailable(describe(&e))),
        Err(_) => Err(CacheError::Timeout(limit)),
    }
}

/// A Redis error, without anything from the URL.
fn describe(e: &redis::RedisError) -> String {
    format!("Redis: {e}")
}

impl Shared {
    fn local(&self) -> Option<&InMemoryUserCache> {
        self.local
            .as_ref()
            .filter(|_| self.subscribed.load(Ordering::Acquire))
    }

    /// Whether reads and writes skip Redis after a recent failure.
    fn cooling_down(&self) -> Result<(), CacheError> {
        let mut until = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        match *until {
            Some(t) if Instant::now() < t => Err(CacheError::Unavailable(
                "Redis failed moments ago; skipping it for now".into(),
            )),
            Some(_) => {
                *until = None;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Runs one command within the timeout; a failure pauses reads and writes.
    async fn run<T>(
        &self,
        op: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, CacheError> {
        let result = bounded(self.timeout, op).await;
        if result.is_err() && !self.retry_after.is_zero() {
            *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(Instant::now() + self.retry_after);
        }
        result
    }

    fn forget_locally(&self, user_id: &str) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Some(local) = &self.local {
            local.remove(user_id);
        }
    }

    /// A message of the invalidation channel: a key, maybe of another namespace.
    fn on_message(&self, payload: &[u8]) {
        let Ok(key) = std::str::from_utf8(payload) else {
            return;
        };
        if let Some(user_id) = key.strip_prefix(&self.prefix) {
            self.forget_locally(user_id);
        }
    }

    /// The subscription is (re-)established or lost: anything held locally may have
    /// missed invalidations.
    fn set_subscribed(&self, on: bool) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.subscribed.store(on, Ordering::Release);
        if let Some(local) = &self.local {
            local.clear();
        }
    }
}

impl UserCache for RedisUserCache {
    fn get<'a>(&'a self, user_id: &'a str) -> CacheFuture<'a, Option<User>> {
        Box::pin(async move {
            let s = &*self.shared;
            if let Some(user) = s.local().and_then(|l| l.get_now(user_id)) {
                return Ok(Some(user));
            }
            s.cooling_down()?;
            let epoch = s.epoch.load(Ordering::Acquire);
            let mut conn = s.conn.clone();
            let value: Option<Vec<u8>> = s
                .run(
                    redis::cmd("GET")
                        .arg(self.key(user_id))
                        .query_async(&mut conn),
                )
                .await?;
            let Some(value) = value.filter(|v| v.as_slice() != TOMBSTONE.as_bytes()) else {
                return Ok(None);
            };
            let user: User = serde_json::from_slice(&value)
                .map_err(|e| CacheError::InvalidData(format!("not a user: {e}")))?;
            if let Some(local) = s.local() {
                if s.epoch.load(Ordering::Acquire) == epoch {
                    local.insert(&user);
                }
            }
            Ok(Some(user))
        })
    }

    fn put<'a>(&'a self, user: &'a User) -> CacheFuture<'a, ()> {
        Box::pin(async move {
            let s = &*self.shared;
            s.cooling_down()?;
            let json = serde_json::to_string(user)
                .map_err(|e| CacheError::InvalidData(format!("user not serializable: {e}")))?;
            let ttl_ms = s.ttl.as_millis().clamp(1, u64::MAX as u128) as u64;
            let epoch = s.epoch.load(Ordering::Acquire);
            let mut conn = s.conn.clone();
            let mut invocation = s.put_script.prepare_invoke();
            invocation
                .key(self.key(&user.id))
                .arg(json)
                .arg(ttl_ms)
                .arg(TOMBSTONE);
            let stored: i64 = s.run(invocation.invoke_async(&mut conn)).await?;
            if stored == 1 {
                if let Some(local) = s.local() {
                    if s.epoch.load(Ordering::Acquire) == epoch {
                        local.insert(user);
                    }
                }
            }
            Ok(())
        })
    }

    fn invalidate<'a>(&'a self, user_id: &'a str) -> CacheFuture<'a, ()> {
        self.shared.forget_locally(user_id);
        Box::pin(async move {
            let s = &*self.shared;
            let key = self.key(user_id);
            let mut pipe = redis::pipe();
            if s.hold.is_zero() {
                pipe.cmd("DEL").arg(&key).ignore();
            } else {
                let hold_ms = s.hold.as_millis().clamp(1, u64::MAX as u128) as u64;
                pipe.cmd("SET")
                    .arg(&key)
                    .arg(TOMBSTONE)
                    .arg("PX")
                    .arg(hold_ms)
                    .ignore();
            }
            pipe.cmd("PUBLISH").arg(&s.channel).arg(&key).ignore();
            let mut conn = s.conn.clone();
            s.run(pipe.query_async::<()>(&mut conn)).await?;
            // A read that overtook the invalidation may have refilled the local layer.
            s.forget_locally(user_id);
            Ok(())
        })
    }

    fn invalidate_local(&self, user_id: &str) {
        self.shared.forget_locally(user_id);
    }
}

async fn subscribe(client: &redis::Client, channel: &str) -> redis::RedisResult<PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

/// The subscriber of a cache with a local layer: drops the users other servers
/// invalidate; resubscribes (with backoff) when the connection is lost, the local layer
/// being off meanwhile. Ends when the cache is dropped.
async fn listen(
    client: redis::Client,
    channel: String,
    connect_timeout: Duration,
    shared: Weak<Shared>,
    first: PubSub,
) {
    let mut next = Some(first);
    let mut backoff = Duration::from_millis(50);
    let mut outage = false;
    loop {
        let pubsub = match next.take() {
            Some(pubsub) => Ok(pubsub),
            None => bounded(connect_timeout, subscribe(&client, &channel)).await,
        };
        match pubsub {
            Ok(pubsub) => {
                // The first subscription was marked by `connect`.
                if outage {
                    let Some(s) = shared.upgrade() else { return };
                    s.set_subscribed(true);
                    drop(s);
                    tracing::info!("clerk: user cache: listening to invalidations again");
                    outage = false;
                }
                backoff = Duration::from_millis(50);
                let (mut sink, mut stream) = pubsub.split();
                let mut ping = tokio::time::interval(SUBSCRIBER_PING_EVERY);
                ping.tick().await;
                loop {
                    tokio::select! {
                        message = stream.next() => {
                            let Some(message) = message else { break };
                            let Some(s) = shared.upgrade() else { return };
                            s.on_message(message.get_payload_bytes());
                        }
                        _ = ping.tick() => {
                            let alive = tokio::time::timeout(
                                connect_timeout,
                                sink.ping::<redis::Value>(),
                            )
                            .await;
                            if !matches!(alive, Ok(Ok(_))) {
                                break;
                            }
                        }
                    }
                }
            }
            Err(error) => {
                tracing::debug!(%error, "clerk: user cache: resubscribing failed");
            }
        }
        let Some(s) = shared.upgrade() else { return };
        s.set_subscribed(false);
        drop(s);
        if !outage {
            tracing::warn!(
                "clerk: user cache: lost the Redis invalidation channel; the local layer is off until it is back"
            );
            outage = true;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(SUBSCRIBER_MAX_BACKOFF);
    }
}
