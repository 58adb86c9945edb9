//! Following `@odata.nextLink` through a collection. A chain of pages is as slow as its
//! steps, so the next page is asked for while the current one is parsed: its link is found in
//! the answer's bytes first, and checked against the parsed page before it is used (a wrong
//! guess costs one request, never a wrong page).

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use super::super::pacer;
use super::{GraphClient, GraphError, PAGE_LIMIT, parse_json};

/// A page as it arrived: its bytes, or already parsed (the first member page comes inside a
/// `$batch` answer).
enum Arrived {
    Bytes(Vec<u8>),
    Parsed(serde_json::Value),
}

/// The page asked for by the link found in the previous page's bytes, and its answer.
type Guessed = (String, Result<Vec<u8>, GraphError>);

impl GraphClient {
    /// Every page of a collection, starting at `path` (e.g. `/v1.0/users?$top=999`), each
    /// page as Graph sent it (`value` and, but for the last, `@odata.nextLink`).
    pub fn get_pages(&self, path: &str) -> Result<Vec<serde_json::Value>, GraphError> {
        self.get_pages_each(path, |_| Ok::<(), GraphError>(()))
    }

    /// Every page of a delta round starting at `url` (a delta link, or a path of
    /// `/delta`), and the `@odata.deltaLink` its last page gives for the next round. A link
    /// to another server than the configured Graph is refused, whether read from a file or
    /// sent by Graph.
    pub fn get_delta(&self, url: &str) -> Result<(Vec<serde_json::Value>, String), GraphError> {
        let url = if url.starts_with('/') {
            format!("{}{url}", self.graph_base)
        } else {
            self.origin.check(url)?;
            url.to_owned()
        };
        let first = Arrived::Bytes(self.get_bytes(&url)?);
        let pages = self.each_page(&url, first, |_| Ok::<(), GraphError>(()))?;
        let delta_link = pages
            .last()
            .and_then(|page| page["@odata.deltaLink"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| GraphError::Unreadable {
                path: self.path_of(&url),
                message: "the last page has no @odata.deltaLink".to_owned(),
            })?;
        self.origin.check(&delta_link)?;
        Ok((pages, delta_link))
    }

    /// `first_page` (the answer to `first`) and every page after it, by `@odata.nextLink`.
    /// Stops with an error when a link repeats or after [`PAGE_LIMIT`] pages.
    pub fn rest_of_pages(
        &self,
        first: &str,
        first_page: serde_json::Value,
    ) -> Result<Vec<serde_json::Value>, GraphError> {
        self.each_page(first, Arrived::Parsed(first_page), |_| Ok(()))
    }

    /// Every page of a collection starting at `path`, each handed to `on_page` as soon as it
    /// arrives (so work on it can start while the next is read); an error from `on_page`
    /// stops the paging.
    pub fn get_pages_each<E: From<GraphError>>(
        &self,
        path: &str,
        on_page: impl FnMut(&serde_json::Value) -> Result<(), E>,
    ) -> Result<Vec<serde_json::Value>, E> {
        let first = format!("{}{path}", self.graph_base);
        let page = Arrived::Bytes(self.get_bytes(&first)?);
        self.each_page(&first, page, on_page)
    }

    fn each_page<E: From<GraphError>>(
        &self,
        first: &str,
        first_page: Arrived,
        mut on_page: impl FnMut(&serde_json::Value) -> Result<(), E>,
    ) -> Result<Vec<serde_json::Value>, E> {
        let endless = |reason: String| GraphError::EndlessCollection {
            path: self.path_of(first),
            reason,
        };
        let mut seen = HashSet::from([first.to_owned()]);
        let (mut pages, mut arrived, mut url) = (Vec::new(), first_page, first.to_owned());
        loop {
            // No page is asked for past the limit.
            let more_allowed = pages.len() + 1 < PAGE_LIMIT;
            let (next, guessed) =
                self.while_next_is_asked(arrived, &url, &seen, more_allowed, |page| {
                    let page = page?;
                    let next = page
                        .get("@odata.nextLink")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned);
                    self.stats.pages.fetch_add(1, Ordering::Relaxed);
                    let objects = page
                        .get("value")
                        .and_then(serde_json::Value::as_array)
                        .map_or(0, Vec::len);
                    self.stats.objects.fetch_add(objects, Ordering::Relaxed);
                    on_page(&page)?;
                    pages.push(page);
                    Ok::<_, E>(next)
                });
            let Some(next) = next? else {
                return Ok(pages);
            };
            if pages.len() >= PAGE_LIMIT {
                return Err(endless(format!("more than {PAGE_LIMIT} pages")).into());
            }
            if !seen.insert(next.clone()) {
                return Err(endless(format!("{} came twice", self.path_of(&next))).into());
            }
            arrived = match guessed {
                Some((link, answer)) if link == next => Arrived::Bytes(answer?),
                _ => Arrived::Bytes(self.get_bytes(&next)?),
            };
            url = next;
        }
    }

    /// Parses the page and hands it to `work`; meanwhile, when its next link can be found in
    /// the bytes, was not asked for before and `more_allowed`, asks for that page:
    /// `(what work gave, Some((link, answer)))`.
    fn while_next_is_asked<R>(
        &self,
        arrived: Arrived,
        url: &str,
        seen: &HashSet<String>,
        more_allowed: bool,
        work: impl FnOnce(Result<serde_json::Value, GraphError>) -> R,
    ) -> (R, Option<Guessed>) {
        let bytes = match arrived {
            Arrived::Parsed(page) => return (work(Ok(page)), None),
            Arrived::Bytes(bytes) => bytes,
        };
        let path = self.path_of(url);
        let guess = next_link_in(&bytes).filter(|link| more_allowed && !seen.contains(link));
        let Some(guess) = guess else {
            return (work(parse_json(&bytes, &path)), None);
        };
        // The next request keeps this thread's place among the requests: a member batch's
        // pages still yield to the chains'.
        let in_batches = pacer::in_batches();
        std::thread::scope(|scope| {
            let fetch = std::thread::Builder::new()
                .name("graph-next-page".to_owned())
                .spawn_scoped(scope, || {
                    let get = || self.get_bytes(&guess);
                    if in_batches {
                        pacer::as_batches(get)
                    } else {
                        get()
                    }
                });
            let done = work(parse_json(&bytes, &path));
            let answer = match fetch {
                Ok(fetch) => fetch.join().unwrap_or_else(|_| {
                    Err(GraphError::Unreadable {
                        path,
                        message: "the request for the next page stopped".to_owned(),
                    })
                }),
                // No thread: asked for after the work instead.
                Err(_) => self.get_bytes(&guess),
            };
            (done, Some((guess.clone(), answer)))
        })
    }
}

/// The `@odata.nextLink` of a page, found in its bytes without parsing them: the first
/// `"@odata.nextLink":"…"` (a key: inside a JSON string every quote is escaped, so the
/// pattern cannot come from a value). A link with escapes is left to the parse.
fn next_link_in(bytes: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"@odata.nextLink\"";
    let at = bytes.windows(KEY.len()).position(|w| w == KEY)?;
    let rest = &bytes[at + KEY.len()..];
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    (rest.get(end) == Some(&b'"'))
        .then(|| std::str::from_utf8(&rest[..end]).ok().map(str::to_owned))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::next_link_in;

    #[test]
    fn the_next_link_is_found_in_the_bytes_only_when_it_is_plain() {
        let page = br#"{"@odata.context":"x","@odata.nextLink" : "https://g/v1.0/users?$skiptoken=a1","value":[]}"#;
        assert_eq!(
            next_link_in(page).as_deref(),
            Some("https://g/v1.0/users?$skiptoken=a1")
        );
        // A value that holds the key's text has its quotes escaped: no match.
        let value = br#"{"value":[{"displayName":"\"@odata.nextLink\":\"https://evil\""}]}"#;
        assert_eq!(next_link_in(value), None);
        // Escapes in the link: left to the parse.
        let escaped = br#"{"@odata.nextLink":"https:\/\/g\/next"}"#;
        assert_eq!(next_link_in(escaped), None);
        assert_eq!(next_link_in(b"{\"value\":[]}"), None);
    }
}
