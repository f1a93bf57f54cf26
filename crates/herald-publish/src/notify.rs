//! Telling the CDN and other systems what changed: after each batch a `notify` job POSTs the
//! changed paths as JSON to the purge URL and every webhook, with
//! `X-Herald-Signature: sha256=<hex HMAC-SHA256 of the body>` when the target has a secret.
//! Each delivery is tried a few times at once; a job whose targets still fail is retried
//! later with backoff (targets already reached are not sent again, see [`delivery_keys`])
//! and shows the error.

use std::fmt;
use std::time::Duration;

use hmac::{KeyInit, Mac};
use url::Url;

/// Tries per delivery within one attempt of the job.
const TRIES: u32 = 3;
/// Wait before the second try; doubled for each later one.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Longest a target may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where a batch's changed paths go.
#[derive(Clone, PartialEq, Eq)]
pub struct NotifyTarget {
    pub url: Url,
    /// Signs the body; never logged.
    pub secret: Option<String>,
}

impl NotifyTarget {
    /// The URL without credentials or query, for logs and job errors.
    pub fn label(&self) -> String {
        let mut url = self.url.clone();
        let _ = url.set_password(None);
        let _ = url.set_username("");
        url.set_query(None);
        url.set_fragment(None);
        url.to_string()
    }
}

impl fmt::Debug for NotifyTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyTarget")
            .field("url", &self.label())
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

/// What a notification job records of each target it reached, so that a retry skips it: the
/// target's [`NotifyTarget::label`], which carries no secret, and when several targets share
/// a label (URLs differing only by their query or credentials, `?token=…`), `#2`, `#3`… for
/// the second and later ones in the configured order.
pub fn delivery_keys(targets: &[NotifyTarget]) -> Vec<String> {
    let labels: Vec<String> = targets.iter().map(NotifyTarget::label).collect();
    labels
        .iter()
        .enumerate()
        .map(|(at, label)| {
            let before = labels[..at].iter().filter(|l| *l == label).count();
            if before == 0 {
                label.clone()
            } else {
                format!("{label}#{}", before + 1)
            }
        })
        .collect()
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| {
            // HMAC takes keys of any length; this branch cannot be reached.
            <hmac::Hmac<sha2::Sha256> as KeyInit>::new(&Default::default())
        });
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Delivers `body` to `target`, trying up to [`TRIES`] times; the error names the target by
/// `key` (its [`delivery_keys`] entry, free of secrets) and gives the last failure.
pub(crate) async fn deliver(
    client: &reqwest::Client,
    target: &NotifyTarget,
    key: &str,
    body: &[u8],
) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..TRIES {
        if attempt > 0 {
            tokio::time::sleep(FIRST_BACKOFF * 2u32.pow(attempt - 1)).await;
        }
        let mut request = client
            .post(target.url.clone())
            .timeout(TIMEOUT)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::USER_AGENT, "herald")
            .body(body.to_vec());
        if let Some(secret) = &target.secret {
            request = request.header("x-herald-signature", signature(secret, body));
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => last = format!("HTTP {}", response.status().as_u16()),
            Err(error) => {
                last = if error.is_timeout() {
                    "timed out".to_owned()
                } else if error.is_connect() {
                    "connection failed".to_owned()
                } else {
                    "request failed".to_owned()
                }
            }
        }
    }
    Err(format!("{key}: {last} after {TRIES} tries"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_the_documented_example() {
        // python3 -c "import hmac,hashlib; print(hmac.new(b'secret', b'{\"paths\":[]}',
        //   hashlib.sha256).hexdigest())"
        assert_eq!(
            signature("secret", br#"{"paths":[]}"#),
            "sha256=fd83b5a91351f3a456eaafb853bae761b44e4ad307d9a6f6f8cfc0aab3a9a0c3"
        );
    }

    #[test]
    fn labels_hide_credentials() {
        let target = NotifyTarget {
            url: Url::parse("https://user:pw@hooks.example/herald?token=abc").expect("a URL"),
            secret: Some("s3cret".into()),
        };
        assert_eq!(target.label(), "https://hooks.example/herald");
        assert!(!format!("{target:?}").contains("s3cret"));
    }

    #[test]
    fn targets_sharing_a_label_get_keys_of_their_own() {
        let target = |url: &str| NotifyTarget {
            url: Url::parse(url).expect("a URL"),
            secret: None,
        };
        let keys = delivery_keys(&[
            target("https://hooks.example/herald?token=a"),
            target("https://cdn.example/purge"),
            target("https://hooks.example/herald?token=b"),
            target("https://user:pw@hooks.example/herald"),
        ]);
        assert_eq!(
            keys,
            [
                "https://hooks.example/herald",
                "https://cdn.example/purge",
                "https://hooks.example/herald#2",
                "https://hooks.example/herald#3",
            ]
        );
        assert!(
            keys.iter()
                .all(|k| !k.contains("token") && !k.contains("pw"))
        );
    }
}
