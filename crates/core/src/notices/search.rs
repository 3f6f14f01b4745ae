//! Searching the cached notices, offline: `search_notices(query)` over the current household's
//! community, in Chinese as in Latin letters and digits.
//!
//! The index is the FTS5 table `notice_search` (trigram tokenizer, its migration
//! `20261201200000_notice_search.sql`), kept in step with the `notices` table by triggers, so
//! whatever writes notices (the feed, a bootstrap's wipe, a home forgotten) updates it in the
//! same transaction and no writer can forget it. A query is split at whitespace into terms and
//! every term must match, in the title or the body: a term of three characters or more is a
//! trigram phrase (`MATCH`), a shorter one (停水, 水, 3栋) is a `LIKE` over the same table, since
//! a trigram index cannot look up fewer than three characters; the community's cached notices
//! are few enough for that scan.
//!
//! Results are ordered by relevance (each term found in the title counts five times one
//! found in the body), then newest first, in SQL, so only the best fifty rows are read; expired notices are never found, by the rule the list and the detail
//! share ([`super::shown_at`]). Matches come back as [`MarkedText`] parts of the title and of a
//! snippet of the body, never as HTML: the UI renders `<mark>` from them.

use super::{project_read_marks, shown_at};
use crate::Core;
use crate::error::{Error, StorageContext};
use crate::store::cache::{Cache, decode};
use crate::store::to_ms;
use chrono::{DateTime, Utc};
use linli_wire::CommunityId;
use linli_wire::ipc::{MarkedText, NoticeHit};
use linli_wire::notices::{Notice, ReadMarks};

/// Terms one query may have; the rest are ignored.
const MAX_TERMS: usize = 8;
/// Characters one term may have; longer ones are cut.
const MAX_TERM_CHARS: usize = 64;
/// Notices one search answers, at most.
const MAX_RESULTS: usize = 50;
/// The trigram tokenizer's unit: shorter terms are looked up with `LIKE`.
const TRIGRAM: usize = 3;
/// A title match weighs this many body matches.
const TITLE_WEIGHT: usize = 5;
/// Characters of body shown before the first match in a snippet, and in all.
const SNIPPET_BEFORE: usize = 16;
const SNIPPET_CHARS: usize = 80;

/// A query as the search runs it: its terms, whitespace-separated, repeats dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Query {
    terms: Vec<String>,
}

impl Query {
    pub(crate) fn parse(raw: &str) -> Self {
        let mut terms: Vec<String> = Vec::new();
        for word in raw.split_whitespace() {
            let term: String = word.chars().take(MAX_TERM_CHARS).collect();
            if !terms.contains(&term) && terms.len() < MAX_TERMS {
                terms.push(term);
            }
        }
        Self { terms }
    }

    fn folded(&self) -> Vec<Vec<char>> {
        self.terms
            .iter()
            .map(|t| t.chars().map(fold).collect())
            .collect()
    }
}

impl Core {
    /// Notices of the current household's community whose title or body matches every term
    /// of `query`, from the cache (offline), most relevant first, matches marked. An empty
    /// query finds nothing; expired notices are never found.
    pub async fn search_notices(&self, query: String) -> Result<Vec<NoticeHit>, Error> {
        let query = Query::parse(&query);
        if query.terms.is_empty() {
            return Ok(Vec::new());
        }
        let account = self.inner.current_account().await?;
        let Some(community) = self.inner.current_community(&account).await? else {
            return Ok(Vec::new());
        };
        let now = self.inner.now();
        let found = account.cache.search_notices(community, &query, now).await?;
        let marks = account.cache.pending_read_marks().await?;
        Ok(rank(found, &query, &marks, now))
    }
}

impl Cache {
    /// The unexpired notices of `community` matching every term of `query` (no order); none
    /// for a query without terms.
    pub(crate) async fn search_notices(
        &self,
        community: CommunityId,
        query: &Query,
        now: DateTime<Utc>,
    ) -> Result<Vec<Notice>, Error> {
        if query.terms.is_empty() {
            return Ok(Vec::new());
        }
        let (long, short): (Vec<&String>, Vec<&String>) = query
            .terms
            .iter()
            .partition(|term| term.chars().count() >= TRIGRAM);
        let mut sql = String::from(
            "SELECT n.data FROM notice_search JOIN notices n ON n.rowid = notice_search.rowid
             WHERE n.community_id = ? AND (n.expires_at_ms IS NULL OR n.expires_at_ms > ?)",
        );
        if !long.is_empty() {
            sql.push_str(" AND notice_search MATCH ?");
        }
        for _ in &short {
            sql.push_str(
                " AND (notice_search.title LIKE ? ESCAPE '\\' OR notice_search.body LIKE ? ESCAPE '\\')",
            );
        }
        // The same relevance as [`rank`] (a term in the title weighs TITLE_WEIGHT, in the body
        // one), so only the best MAX_RESULTS rows are read and marked, however many match.
        sql.push_str(" ORDER BY 0");
        for _ in &query.terms {
            sql.push_str(&format!(
                " + (instr(lower(notice_search.title), ?) > 0) * {TITLE_WEIGHT}
                  + (instr(lower(notice_search.body), ?) > 0)"
            ));
        }
        sql.push_str(" DESC, n.published_at_ms DESC, n.id DESC LIMIT ?");
        let mut select = sqlx::query_scalar::<_, String>(&sql)
            .bind(community.to_string())
            .bind(to_ms(now));
        if !long.is_empty() {
            // Each term one phrase (its quotes doubled), all of them required.
            let phrases: Vec<String> = long
                .iter()
                .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
                .collect();
            select = select.bind(phrases.join(" AND "));
        }
        for term in &short {
            let pattern = format!("%{}%", like_escaped(term));
            select = select.bind(pattern.clone()).bind(pattern);
        }
        for term in &query.terms {
            let lower = term.to_ascii_lowercase();
            select = select.bind(lower.clone()).bind(lower);
        }
        select = select.bind(i64::try_from(MAX_RESULTS).unwrap_or(i64::MAX));
        let rows = select
            .fetch_all(&self.pool)
            .await
            .storage("search the notices")?;
        Ok(rows
            .iter()
            .filter_map(|json| decode(json, "notice"))
            .collect())
    }
}

/// `term` with `LIKE`'s wildcards taken literally.
fn like_escaped(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Case-insensitive comparison, as the trigram tokenizer and `LIKE` compare.
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// The found notices as results: unexpired, read marks projected, marked, most relevant
/// first (title matches weigh more), then newest.
pub(crate) fn rank(
    notices: Vec<Notice>,
    query: &Query,
    pending_marks: &[ReadMarks],
    now: DateTime<Utc>,
) -> Vec<NoticeHit> {
    let terms = query.folded();
    let mut scored: Vec<(usize, NoticeHit)> = notices
        .into_iter()
        .filter(|notice| shown_at(notice, now))
        .map(|mut notice| {
            project_read_marks(&mut notice, pending_marks);
            let title: Vec<char> = notice.title.chars().collect();
            let body: Vec<char> = flattened(&notice.body);
            let score = terms
                .iter()
                .map(|term| {
                    TITLE_WEIGHT * usize::from(count(&title, term) > 0)
                        + usize::from(count(&body, term) > 0)
                })
                .sum();
            let hit = NoticeHit {
                title: parts(&title, 0, title.len(), &spans(&title, &terms)),
                snippet: snippet(&body, &notice.summary, &terms),
                notice,
            };
            (score, hit)
        })
        .collect();
    scored.sort_by(|(sa, a), (sb, b)| {
        sb.cmp(sa)
            .then_with(|| b.notice.published_at.cmp(&a.notice.published_at))
            .then_with(|| b.notice.id.cmp(&a.notice.id))
    });
    scored
        .into_iter()
        .take(MAX_RESULTS)
        .map(|(_, hit)| hit)
        .collect()
}

/// A body on one line: paragraphs and runs of whitespace become one space.
fn flattened(text: &str) -> Vec<char> {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect()
}

fn matches_at(text: &[char], at: usize, term: &[char]) -> bool {
    !term.is_empty()
        && at + term.len() <= text.len()
        && text[at..at + term.len()]
            .iter()
            .zip(term)
            .all(|(a, b)| fold(*a) == *b)
}

/// Non-overlapping occurrences of `term` in `text`.
fn count(text: &[char], term: &[char]) -> usize {
    let mut found = 0;
    let mut at = 0;
    while at < text.len() {
        if matches_at(text, at, term) {
            found += 1;
            at += term.len();
        } else {
            at += 1;
        }
    }
    found
}

/// Where any term matches in `text`, as merged `(start, end)` character ranges in order.
fn spans(text: &[char], terms: &[Vec<char>]) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for at in 0..text.len() {
        let end = terms
            .iter()
            .filter(|term| matches_at(text, at, term))
            .map(|term| at + term.len())
            .max();
        if let Some(end) = end {
            match spans.last_mut() {
                Some(last) if at <= last.1 => last.1 = last.1.max(end),
                _ => spans.push((at, end)),
            }
        }
    }
    spans
}

/// `text[start..end]` cut into parts at `spans`, with `…` where the window cuts the text.
fn parts(text: &[char], start: usize, end: usize, spans: &[(usize, usize)]) -> Vec<MarkedText> {
    let mut out: Vec<MarkedText> = Vec::new();
    let mut push = |piece: String, hit: bool| {
        if piece.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(&piece),
            _ => out.push(MarkedText { text: piece, hit }),
        }
    };
    if start > 0 {
        push("…".to_owned(), false);
    }
    let mut at = start;
    for &(from, to) in spans {
        let (from, to) = (from.clamp(start, end), to.clamp(start, end));
        if from >= to {
            continue;
        }
        push(text[at..from].iter().collect(), false);
        push(text[from..to].iter().collect(), true);
        at = to;
    }
    push(text[at..end].iter().collect(), false);
    if end < text.len() {
        push("…".to_owned(), false);
    }
    out
}

/// The stretch of the body around its first match; the summary's start when only the title
/// matched.
fn snippet(body: &[char], summary: &str, terms: &[Vec<char>]) -> Vec<MarkedText> {
    let found = spans(body, terms);
    if let Some(&(first, _)) = found.first() {
        let start = first.saturating_sub(SNIPPET_BEFORE);
        let end = body.len().min(start + SNIPPET_CHARS);
        return parts(body, start, end, &found);
    }
    let summary: Vec<char> = flattened(summary);
    let end = summary.len().min(SNIPPET_CHARS);
    parts(&summary, 0, end, &spans(&summary, terms))
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
