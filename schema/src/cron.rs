//! Validation of AWS schedule expressions for Glue crawlers:
//! `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, UTC.
//!
//! Rules (docs/aws-behaviour.md, "Glue crawler schedules"): six fields; `, - * /` everywhere; `?` only in day-of-month or
//! day-of-week and exactly one of the two must be `?`; `L` in both day fields, `W` in
//! day-of-month, `#` in day-of-week; month names JAN–DEC and day names SUN–SAT.

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

struct FieldRule {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const FIELDS: [FieldRule; 6] = [
    FieldRule {
        name: "minutes",
        min: 0,
        max: 59,
        names: &[],
    },
    FieldRule {
        name: "hours",
        min: 0,
        max: 23,
        names: &[],
    },
    FieldRule {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
    },
    FieldRule {
        name: "month",
        min: 1,
        max: 12,
        names: &MONTHS,
    },
    FieldRule {
        name: "day-of-week",
        min: 1,
        max: 7,
        names: &DAYS,
    },
    FieldRule {
        name: "year",
        min: 1970,
        max: 2199,
        names: &[],
    },
];

/// Checks a crawler schedule; the error says what is wrong and how to write it.
pub fn check_schedule(expr: &str) -> Result<(), String> {
    let inner = expr
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| {
            format!("`{expr}` is not a cron expression; Glue schedules look like `cron(15,45 * * * ? *)`")
        })?;
    let parts: Vec<&str> = inner.split_whitespace().collect();
    if parts.len() != 6 {
        return Err(format!(
            "an AWS cron expression has 6 fields (minutes hours day-of-month month day-of-week year), found {}",
            parts.len()
        ));
    }
    for (part, rule) in parts.iter().zip(FIELDS.iter()) {
        check_field(part, rule)?;
    }
    let (dom, dow) = (parts[2], parts[4]);
    match (dom == "?", dow == "?") {
        (true, true) => Err("only one of day-of-month and day-of-week may be `?`".to_owned()),
        (false, false) => Err(
            "one of day-of-month and day-of-week must be `?` (AWS cron cannot set both); e.g. `cron(15,45 * * * ? *)`"
                .to_owned(),
        ),
        _ => Ok(()),
    }
}

fn check_field(part: &str, rule: &FieldRule) -> Result<(), String> {
    let is_day_field = rule.name.starts_with("day-");
    if part == "?" {
        return if is_day_field {
            Ok(())
        } else {
            Err(format!(
                "`?` is only allowed in day-of-month or day-of-week, not in {}",
                rule.name
            ))
        };
    }
    for item in part.split(',') {
        check_item(item, rule).map_err(|e| format!("{} field `{part}`: {e}", rule.name))?;
    }
    Ok(())
}

fn check_item(item: &str, rule: &FieldRule) -> Result<(), String> {
    if item.is_empty() {
        return Err("empty list item".to_owned());
    }
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (item, None),
    };
    if let Some(step) = step {
        let n: u32 = step
            .parse()
            .map_err(|_| format!("step `{step}` is not a number"))?;
        if n == 0 || n > rule.max {
            return Err(format!("step {n} is out of range"));
        }
    }
    if range == "*" {
        return Ok(());
    }
    match rule.name {
        "day-of-month" if range == "L" || range == "LW" => return Ok(()),
        "day-of-month" if range.ends_with('W') => {
            return value(&range[..range.len() - 1], rule).map(|_| ());
        }
        "day-of-week" if range == "L" => return Ok(()),
        "day-of-week" if range.ends_with('L') => {
            return value(&range[..range.len() - 1], rule).map(|_| ());
        }
        "day-of-week" if range.contains('#') => {
            let (d, n) = range.split_once('#').unwrap_or((range, ""));
            value(d, rule)?;
            let n: u32 = n
                .parse()
                .map_err(|_| format!("`#{n}` needs a number 1-5"))?;
            return if (1..=5).contains(&n) {
                Ok(())
            } else {
                Err(format!("`#{n}` needs a number 1-5"))
            };
        }
        _ => {}
    }
    match range.split_once('-') {
        Some((a, b)) => {
            value(a, rule)?;
            value(b, rule)?;
            Ok(())
        }
        None => value(range, rule).map(|_| ()),
    }
}

fn value(v: &str, rule: &FieldRule) -> Result<u32, String> {
    if let Some(i) = rule.names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
        return Ok(u32::try_from(i).unwrap_or(0) + rule.min);
    }
    let n: u32 = v
        .parse()
        .map_err(|_| format!("`{v}` is not a valid {} value", rule.name))?;
    if (rule.min..=rule.max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} is outside {}-{}", rule.min, rule.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_schedules() {
        for e in [
            "cron(15,45 * * * ? *)",
            "cron(15,45 * ? * * *)",
            "cron(0/15 * * * ? *)",
            "cron(15 12 * * ? *)",
            "cron(0 8 ? * MON-FRI *)",
            "cron(0 0 L * ? *)",
            "cron(0 0 ? * 6#3 2020-2030)",
        ] {
            assert_eq!(check_schedule(e), Ok(()), "{e}");
        }
    }

    #[test]
    fn invalid_schedules() {
        for e in [
            "cron(15,45 * * * * *)",
            "cron(15 * * * ?)",
            "rate(5 minutes)",
            "cron(60 * * * ? *)",
            "cron(0 0 ? * ? *)",
            "cron(0 ? * * ? *)",
            "cron(0/0 * * * ? *)",
            "cron(0 0 * 13 ? *)",
        ] {
            assert!(check_schedule(e).is_err(), "{e}");
        }
    }
}
