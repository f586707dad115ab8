//! The sentences and names every format shares: where an environment is, a finding in one
//! sentence, the credentials warning, commit ids and dates.

use crate::report::{Finding, Severity};
use crate::support::escape;

/// How reports name an environment's root: `venv/`, or "the repository root".
pub(crate) fn place(root: &[u8]) -> String {
    if root.is_empty() {
        "the repository root".to_owned()
    } else {
        format!("{}/", escape::display(root))
    }
}

/// A finding in one sentence, for annotations and SARIF results.
pub(crate) fn message(f: &Finding) -> String {
    let root = place(&f.env.root);
    if f.severity == Severity::Note {
        return format!(
            "{root} imitates a Python environment: a test fixture with no real interpreter and no \
             pip (not blocking; --strict blocks it)"
        );
    }
    let mut text = format!(
        "{root} is a Python environment ({}), {}",
        f.env.recognised.describe(),
        f.status
    );
    if f.env.files > 0 {
        text.push_str(&format!(": {} files", f.env.files));
    }
    if let Some(h) = &f.history {
        text.push_str(&format!(
            ". First added in commit {} ({}); remove it from the history with: {}",
            &h.first_commit.id[..h.first_commit.id.len().min(12)],
            escape::display(h.first_commit.subject.as_bytes()),
            h.remove_command
        ));
    }
    text
}

/// The repository-relative path of a finding's marker file.
pub(crate) fn marker_path(f: &Finding) -> Vec<u8> {
    let mut path = f.env.root.clone();
    let marker = f.env.recognised.marker();
    if !path.is_empty() && !marker.is_empty() {
        path.push(b'/');
    }
    path.extend_from_slice(&marker);
    path
}

/// The secrets of a finding grouped by script: `(file, first line, names)`.
pub(crate) fn secrets_by_file(f: &Finding) -> Vec<(Vec<u8>, usize, Vec<String>)> {
    let mut out: Vec<(Vec<u8>, usize, Vec<String>)> = Vec::new();
    for s in &f.secrets {
        match out.iter_mut().find(|(file, _, _)| *file == s.file) {
            Some((_, line, names)) => {
                *line = (*line).min(s.line);
                names.push(s.name.clone());
            }
            None => out.push((s.file.clone(), s.line, vec![s.name.clone()])),
        }
    }
    out
}

/// The credentials warning for one script of `f`, in one sentence (values are never shown):
/// about to be published, or already published by the commits that hold it.
pub(crate) fn secrets_message(f: &Finding, file: &[u8], names: &[String]) -> String {
    let head = format!(
        "{} exports {} (values not shown)",
        escape::display(file),
        names.join(", ")
    );
    if f.secrets.iter().filter(|s| s.file == file).all(|s| !s.real) {
        return format!("{head}: placeholder or plain setting values, not credentials");
    }
    if !f.published() {
        return format!("{head}: committing this environment would publish credentials");
    }
    let shown: Vec<String> = f
        .secret_commits
        .iter()
        .take(COMMITS_NAMED)
        .map(|(c, _)| short_id(&c.id).to_owned())
        .collect();
    let more = f.secret_commits.len().saturating_sub(COMMITS_NAMED);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "{head}: already published by commit{} {}{more}. Rotate these credentials: untracking \
         the environment or rewriting the history does not unpublish them",
        if f.secret_commits.len() == 1 { "" } else { "s" },
        shown.join(", ")
    )
}

/// How many commits a one-line message names.
const COMMITS_NAMED: usize = 5;

/// The first 12 digits of a commit id.
pub(crate) fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// `2024-03-01T10:00:00+01:00` for a Unix time and an offset in minutes.
pub(crate) fn iso8601(time: i64, offset_minutes: i32) -> String {
    let local = time + i64::from(offset_minutes) * 60;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        off / 60,
        off % 60
    )
}

#[cfg(test)]
mod tests {
    use super::iso8601;

    #[test]
    fn dates_are_iso_8601_with_the_authors_offset() {
        assert_eq!(iso8601(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(1_709_287_200, 60), "2024-03-01T11:00:00+01:00");
        assert_eq!(iso8601(951_782_400, -300), "2000-02-28T19:00:00-05:00");
        assert_eq!(iso8601(1_709_164_800, 0), "2024-02-29T00:00:00+00:00");
    }
}
