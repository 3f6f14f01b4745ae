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
mod tests {
    use super::*;
    use crate::notices::cache::NoticesFeed;
    use crate::notices::tests::notice;
    use crate::store::cache::at;
    use crate::sync::{CacheChange, FeedTable};
    use uuid::Uuid;

    struct Fixture {
        _dir: tempfile::TempDir,
        cache: Cache,
        community: CommunityId,
    }

    impl Fixture {
        async fn new() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let cache = Cache::open(&dir.path().join("cache.db"))
                .await
                .expect("open the cache");
            Self {
                _dir: dir,
                cache,
                community: CommunityId(Uuid::now_v7()),
            }
        }

        async fn apply(&self, change: CacheChange) {
            let mut conn = self.cache.pool.acquire().await.expect("connection");
            NoticesFeed
                .apply(&mut conn, &change)
                .await
                .expect("the feed stores the change");
        }

        async fn put(&self, title: &str, body: &str, published_ms: i64) -> Notice {
            let mut n = notice(self.community, title, published_ms);
            n.body = body.to_owned();
            self.apply(CacheChange::UpsertNotice(Box::new(n.clone())))
                .await;
            n
        }

        async fn search(&self, raw: &str) -> Vec<NoticeHit> {
            let query = Query::parse(raw);
            let found = self
                .cache
                .search_notices(self.community, &query, at(10_000))
                .await
                .expect("search");
            rank(found, &query, &[], at(10_000))
        }

        async fn titles(&self, raw: &str) -> Vec<String> {
            self.search(raw)
                .await
                .into_iter()
                .map(|hit| hit.notice.title)
                .collect()
        }
    }

    fn marked(parts: &[MarkedText]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    async fn demo() -> Fixture {
        let fx = Fixture::new().await;
        fx.put(
            "关于3栋、5栋临时停水的通知",
            "因二次供水泵房水泵检修，3栋、5栋将于明日 9:00 至 15:00 暂停供水。",
            3_000,
        )
        .await;
        fx.put("电梯年度维保", "2栋电梯将于周三停运维保，请走楼梯。", 2_000)
            .await;
        fx.put(
            "小区WiFi升级",
            "公共区域 WiFi 将于周五升级，届时短暂中断。",
            1_000,
        )
        .await;
        fx
    }

    #[tokio::test]
    async fn a_single_chinese_character_is_found() {
        let fx = demo().await;
        assert_eq!(
            fx.titles("水").await,
            ["关于3栋、5栋临时停水的通知"],
            "one character is shorter than a trigram: found by LIKE, in title and body"
        );
        assert_eq!(
            fx.titles("梯").await,
            ["电梯年度维保"],
            "a single character of another notice finds only that one"
        );
    }

    #[tokio::test]
    async fn two_chinese_characters_are_found_and_marked() {
        let fx = demo().await;
        let hits = fx.search("停水").await;
        assert_eq!(hits.len(), 1, "only the water notice says 停水: {hits:?}");
        assert_eq!(
            marked(&hits[0].title),
            "关于3栋、5栋临时[停水]的通知",
            "the title's match is marked as a part"
        );
        assert_eq!(fx.titles("维保").await, ["电梯年度维保"]);
    }

    #[tokio::test]
    async fn three_or_more_characters_use_the_trigram_index() {
        let fx = demo().await;
        let hits = fx.search("二次供水").await;
        assert_eq!(hits.len(), 1, "a body-only phrase is found: {hits:?}");
        assert_eq!(
            marked(&hits[0].snippet),
            "因[二次供水]泵房水泵检修，3栋、5栋将于明日 9:00 至 15:00 暂停供水。",
            "the snippet marks the body's match"
        );
        assert!(
            fx.titles("二次停水").await.is_empty(),
            "a phrase is matched whole, not as scattered characters"
        );
    }

    #[tokio::test]
    async fn mixed_chinese_latin_and_digits() {
        let fx = demo().await;
        assert_eq!(
            fx.titles("3栋").await,
            ["关于3栋、5栋临时停水的通知"],
            "a digit and a character"
        );
        assert_eq!(
            fx.titles("5栋 停水").await,
            ["关于3栋、5栋临时停水的通知"],
            "every term must match"
        );
        assert!(
            fx.titles("2栋 停水").await.is_empty(),
            "2栋 is another notice's: both terms in one notice only"
        );
        let hits = fx.search("wifi").await;
        assert_eq!(hits.len(), 1, "Latin letters match in any case: {hits:?}");
        assert_eq!(marked(&hits[0].title), "小区[WiFi]升级");
        assert_eq!(fx.titles("9:00").await.len(), 1, "digits and punctuation");
        assert!(
            fx.titles("%").await.is_empty() && fx.titles("_").await.is_empty(),
            "LIKE's wildcards are taken literally"
        );
        assert!(
            fx.titles("   ").await.is_empty(),
            "an empty query finds nothing"
        );
    }

    #[tokio::test]
    async fn title_matches_rank_above_body_matches_then_newest() {
        let fx = Fixture::new().await;
        fx.put("电梯停运", "请走楼梯。", 1_000).await;
        fx.put("消防演练", "演练期间电梯停运。", 5_000).await;
        fx.put("电梯维保", "维保期间电梯停运。", 3_000).await;
        assert_eq!(
            fx.titles("电梯").await,
            ["电梯维保", "电梯停运", "消防演练"],
            "title matches first (more matches first), then the body-only one, though newest"
        );
        for i in 0..60 {
            fx.put(&format!("通知{i}"), "电梯停运。", 10_000 + i).await;
        }
        let titles = fx.titles("电梯").await;
        assert_eq!(titles.len(), MAX_RESULTS, "at most {MAX_RESULTS} results");
        assert_eq!(
            &titles[..3],
            ["电梯维保", "电梯停运", "通知59"],
            "the best are kept when more match than are answered, then the newest"
        );
    }

    #[tokio::test]
    async fn expired_notices_are_never_found() {
        let fx = Fixture::new().await;
        let mut gone = notice(fx.community, "临时停水", 1_000);
        gone.expires_at = Some(at(9_000));
        fx.apply(CacheChange::UpsertNotice(Box::new(gone))).await;
        let mut later = notice(fx.community, "停水预告", 1_000);
        later.expires_at = Some(at(20_000));
        fx.apply(CacheChange::UpsertNotice(Box::new(later))).await;
        assert_eq!(
            fx.titles("停水").await,
            ["停水预告"],
            "a notice expired at the search's time is not found; one still shown is"
        );
    }

    #[tokio::test]
    async fn the_index_follows_every_write_of_the_cache() {
        let fx = demo().await;
        let mut changed = fx.put("临时停电", "今晚停电。", 4_000).await;
        assert_eq!(fx.titles("停电").await, ["临时停电"]);
        changed.title = "恢复供电".to_owned();
        changed.body = "已恢复。".to_owned();
        fx.apply(CacheChange::UpsertNotice(Box::new(changed.clone())))
            .await;
        assert!(
            fx.titles("停电").await.is_empty(),
            "an updated notice is found by its new text only"
        );
        assert_eq!(fx.titles("恢复供电").await, ["恢复供电"]);
        fx.apply(CacheChange::DeleteNotice(changed.id.0)).await;
        assert!(fx.titles("恢复").await.is_empty(), "a tombstone removes it");
        let mut conn = fx.cache.pool.acquire().await.expect("connection");
        NoticesFeed.wipe(&mut conn).await.expect("wipe");
        assert!(
            fx.titles("水").await.is_empty(),
            "a bootstrap's wipe empties the index too"
        );
        let other = CommunityId(Uuid::now_v7());
        let mut elsewhere = notice(other, "停水", 1_000);
        elsewhere.body = "别的小区".to_owned();
        fx.apply(CacheChange::UpsertNotice(Box::new(elsewhere)))
            .await;
        assert!(
            fx.titles("停水").await.is_empty(),
            "another community's notice is not found"
        );
    }

    /// The cache at scale (issue 12 asks ≤ 20 ms per read): `cargo test -p linli-core --lib
    /// -- --ignored search_at_scale --nocapture` prints the times.
    #[tokio::test]
    #[ignore = "a measurement, not a check"]
    async fn search_at_scale() {
        let fx = Fixture::new().await;
        let mut conn = fx.cache.pool.acquire().await.expect("connection");
        let mut tx = sqlx::Connection::begin(&mut *conn).await.expect("tx");
        for i in 0..10_000 {
            let mut n = notice(
                fx.community,
                &format!(
                    "第{i}号通知：{}",
                    ["停水", "电梯维保", "消防演练", "垃圾分类"][i % 4]
                ),
                i as i64,
            );
            n.body = format!(
                "尊敬的业主：{}栋将于明日 9:00 至 15:00 进行检修，请提前做好准备。编号 {i}。",
                i % 20
            );
            NoticesFeed
                .apply(&mut tx, &CacheChange::UpsertNotice(Box::new(n)))
                .await
                .expect("store");
        }
        tx.commit().await.expect("commit");
        drop(conn);
        for raw in ["水", "停水", "3栋", "电梯维保", "提前做好准备", "消防 编号"]
        {
            let started = std::time::Instant::now();
            let hits = fx.search(raw).await;
            println!("{raw}: {} hits in {:?}", hits.len(), started.elapsed());
        }
    }

    #[test]
    fn snippets_are_cut_around_the_first_match() {
        let body: String = "甲".repeat(40) + "停水" + &"乙".repeat(100);
        let terms = Query::parse("停水").folded();
        let parts = snippet(&flattened(&body), "", &terms);
        let text = marked(&parts);
        assert!(
            text.starts_with("…") && text.ends_with("…"),
            "cut on both sides: {text}"
        );
        assert!(
            text.contains(&format!("{}[停水]", "甲".repeat(SNIPPET_BEFORE))),
            "a little context before the match: {text}"
        );
        let only_title = snippet(&flattened("正文"), "摘要 在此", &terms);
        assert_eq!(
            marked(&only_title),
            "摘要 在此",
            "the summary when the body has none"
        );
    }
}
