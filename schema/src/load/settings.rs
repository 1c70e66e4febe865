//! Settings: the loader's side of the settings table ([`crate::model::with_settings`]), the
//! crawler schedule, and the combinations that are wrong within one table.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Cx;
use crate::cron;
use crate::diag::{Diagnostic, Span};
use crate::model::{Catalog, Compression, Granularity, Partitioning, Settings, StreamMode};

/// The loader's side of the settings table ([`model::with_settings`]): the key list, the
/// settings as written in one table, and reading them.
macro_rules! settings_loader {
    ($($name:ident: $ty:ident = $default:expr, $kind:ident $(($($arg:tt)*))?; $doc:tt, $schema_doc:tt;)+) => {
        /// Keys of `[lake.defaults]`; each may also be set on an event.
        pub const SETTINGS_KEYS: &[&str] = &[$(stringify!($name)),+];

        /// Settings as written in one table, each with the span of its value.
        #[derive(Default)]
        pub(super) struct SettingsOverride {
            $($name: Option<($ty, Span)>,)+
        }

        impl SettingsOverride {
            pub(super) fn apply(&self, base: &mut Settings) {
                $(if let Some((v, _)) = &self.$name {
                    base.$name = v.clone();
                })+
            }
        }

        impl Cx<'_> {
            pub(super) fn settings(&mut self, table: &DeTable<'_>) -> SettingsOverride {
                let mut s = SettingsOverride::default();
                for (k, v) in table {
                    let span = v.span();
                    $(if k.get_ref() == stringify!($name) {
                        s.$name = read_setting!(self, v, $name, $ty, $kind $(($($arg)*))?)
                            .map(|x| (x, span.clone()));
                    })+
                }
                s
            }
        }
    };
}

/// Reads one setting's value the way its row in the settings table says.
macro_rules! read_setting {
    ($cx:ident, $v:ident, $name:ident, $ty:ident, choice) => {
        $cx.choice($v, stringify!($name), $ty::NAMES, $ty::from_name)
    };
    ($cx:ident, $v:ident, $name:ident, $ty:ident, range($min:tt, $max:tt, $help:tt)) => {
        $cx.int_in($v, stringify!($name), $min, $max, $help)
    };
    ($cx:ident, $v:ident, $name:ident, $ty:ident, boolean) => {
        $cx.boolean($v, concat!("`", stringify!($name), "`"))
    };
    ($cx:ident, $v:ident, $name:ident, $ty:ident, cron) => {
        $cx.cron_schedule($v, concat!("`", stringify!($name), "`"))
    };
}

crate::model::with_settings!(settings_loader);

impl Cx<'_> {
    /// An AWS cron schedule, or a located error saying what is wrong with it.
    pub(super) fn cron_schedule(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Option<String> {
        let expr = self.string(v, what)?;
        match cron::check_schedule(&expr) {
            Ok(()) => Some(expr),
            Err(why) => {
                self.push(
                    Diagnostic::error(v.span(), format!("invalid crawler schedule: {why}"))
                        .with_help("AWS cron: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, e.g. `cron(15,45 * * * ? *)`"),
                );
                None
            }
        }
    }

    /// Checks combinations that are wrong within one table (defaults or one event).
    pub(super) fn check_settings_scope(
        &mut self,
        own: &SettingsOverride,
        resolved: &Settings,
        scope: &str,
    ) {
        if let Some((_, span)) = &own.shards
            && resolved.stream_mode == StreamMode::OnDemand
        {
            self.push(
                    Diagnostic::error(span.clone(), format!("`shards` is set in {scope} but the stream mode is `on_demand`"))
                        .with_help("on-demand streams scale by themselves; remove `shards` or use `stream_mode = \"provisioned\"`"),
                );
        }
        if resolved.partitioning == Partitioning::EventTime && resolved.buffer_interval_seconds < 60
        {
            let span = match (&own.buffer_interval_seconds, &own.partitioning) {
                (Some((_, s)), _) | (None, Some((_, s))) => Some(s.clone()),
                (None, None) => None,
            };
            if let Some(span) = span {
                self.push(
                    Diagnostic::error(
                        span,
                        "event-time partitioning needs `buffer_interval_seconds` of at least 60",
                    )
                    .with_help("Firehose's dynamic partitioning does not support zero buffering"),
                );
            }
        }
    }
}
