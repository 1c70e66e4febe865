//! The `[[accept]]` tables: changes of the schema accepted on purpose (their vocabulary is
//! [`crate::evolution`]).

use toml::de::{DeTable, DeValue};

use super::{Cx, Value};
use crate::diag::{Diagnostic, did_you_mean};
use crate::evolution::{ACCEPT_KEYS, Acceptance, ChangeCode};

impl Cx<'_> {
    /// The valid `[[accept]]` tables of the document (every problem, not the first, becomes a
    /// diagnostic).
    pub(super) fn acceptances(&mut self, root: &DeTable<'_>) -> Vec<Acceptance> {
        let Some((key, value)) = Self::get(root, "accept") else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.push(
                Diagnostic::error(key.span(), "`accept` must be an array of tables")
                    .with_help("write each accepted change as its own `[[accept]]` table"),
            );
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.acceptance(item))
            .collect()
    }

    fn acceptance(&mut self, item: &Value<'_>) -> Option<Acceptance> {
        let DeValue::Table(t) = item.get_ref() else {
            self.push(Diagnostic::error(
                item.span(),
                "an `accept` entry must be a table",
            ));
            return None;
        };
        self.unknown_keys(t, ACCEPT_KEYS, "[[accept]]", None);
        let change = self.present(
            Self::get(t, "change"),
            item,
            "[[accept]] has no `change`".to_owned(),
            "name the accepted change's code, e.g. `change = \"column_renamed\"`",
        );
        let change = change.and_then(|(_, v)| self.change_code(v));
        let reason = self.present(
            Self::get(t, "reason"),
            item,
            "[[accept]] has no `reason`".to_owned(),
            "add `reason = \"…\"`: why this change is acceptable, for reviewers",
        );
        let reason = reason.and_then(|(_, v)| self.reason(v));
        let mut optional = |key: &str| {
            let (_, v) = Self::get(t, key)?;
            self.string(v, &format!("`{key}`"))
        };
        let event = optional("event");
        let column = optional("column");
        Some(Acceptance {
            change: change?,
            event,
            column,
            reason: reason?,
            span: item.span(),
        })
    }

    /// The change code `v` names.
    fn change_code(&mut self, v: &Value<'_>) -> Option<ChangeCode> {
        let s = self.string(v, "`change`")?;
        let code = ChangeCode::from_name(&s);
        if code.is_none() {
            let help = match did_you_mean(&s, ChangeCode::NAMES.iter().copied()) {
                Some(m) => format!("did you mean `{m}`?"),
                None => "copy the code from `eventlake diff`'s output".to_owned(),
            };
            self.push(
                Diagnostic::error(v.span(), format!("`{s}` is not a change code")).with_help(help),
            );
        }
        code
    }

    /// The reason `v` gives; an empty one is an error.
    fn reason(&mut self, v: &Value<'_>) -> Option<String> {
        let reason = self.string(v, "`reason`")?;
        if reason.trim().is_empty() {
            self.push(
                Diagnostic::error(v.span(), "`reason` is empty")
                    .with_help("say why the change is acceptable; reviewers read it"),
            );
            return None;
        }
        Some(reason)
    }
}
