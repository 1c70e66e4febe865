//! A listing table over Firehose's zero-padded partition folders (`month=05`, `day=07`).
//!
//! DataFusion's listing table turns an equality filter on the leading partition columns into
//! a listing prefix built from the literal's text: `day = 7` lists `…/day=7/`, which does not
//! exist next to Firehose's `day=07`, so the scan silently finds no files. Every other
//! partition filter (ranges, `IN`, arithmetic) is evaluated on the folder values parsed as
//! the column's type, where `07` is 7. [`PaddedPartitions`] wraps the listing table and
//! hands it each `column = literal` on a partition column as
//! `column BETWEEN literal AND literal`: the same rows, still pruned by folder value, but
//! never turned into a prefix. Athena has no such problem: projection and the crawler both
//! read `07` as 7.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::catalog::{ScanArgs, ScanResult, Session, TableProvider};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Constraints, Statistics};
use datafusion::datasource::TableType;
use datafusion::error::Result;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;

/// A table provider that never lets an equality on a partition column become a listing
/// prefix (see the module documentation).
#[derive(Debug)]
pub struct PaddedPartitions {
    inner: Arc<dyn TableProvider>,
    partition_columns: Vec<String>,
}

impl PaddedPartitions {
    /// Wraps `inner`, whose partition columns are `partition_columns`.
    pub fn new(inner: Arc<dyn TableProvider>, partition_columns: Vec<String>) -> Self {
        Self {
            inner,
            partition_columns,
        }
    }

    /// `filters` with every `partition column = literal` (either side) as a `BETWEEN`.
    pub fn rewrite_filters(&self, filters: &[Expr]) -> Vec<Expr> {
        filters
            .iter()
            .map(|f| {
                f.clone()
                    .transform_up(|e| Ok(self.equality_as_range(e)))
                    .map_or_else(|_| f.clone(), |t| t.data)
            })
            .collect()
    }

    fn equality_as_range(&self, e: Expr) -> Transformed<Expr> {
        let Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Eq,
            right,
        }) = &e
        else {
            return Transformed::no(e);
        };
        let (column, literal) = match (left.as_ref(), right.as_ref()) {
            (Expr::Column(c), l @ Expr::Literal(..)) | (l @ Expr::Literal(..), Expr::Column(c))
                if self.partition_columns.contains(&c.name) =>
            {
                (Expr::Column(c.clone()), l.clone())
            }
            _ => return Transformed::no(e),
        };
        Transformed::yes(Expr::Between(Between::new(
            Box::new(column),
            false,
            Box::new(literal.clone()),
            Box::new(literal),
        )))
    }
}

#[async_trait::async_trait]
impl TableProvider for PaddedPartitions {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn constraints(&self) -> Option<&Constraints> {
        self.inner.constraints()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn statistics(&self) -> Option<Statistics> {
        self.inner.statistics()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // The rewritten filter selects the same rows, so the inner table's answer for it
        // holds for the original.
        let rewritten: Vec<Expr> =
            self.rewrite_filters(&filters.iter().map(|f| (*f).clone()).collect::<Vec<Expr>>());
        self.inner
            .supports_filters_pushdown(&rewritten.iter().collect::<Vec<_>>())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.inner
            .scan(state, projection, &self.rewrite_filters(filters), limit)
            .await
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        let filters = args.filters().map(|f| self.rewrite_filters(f));
        let inner_args = ScanArgs::default()
            .with_projection(args.projection())
            .with_filters(filters.as_deref())
            .with_limit(args.limit())
            .with_statistics_requests(args.statistics_requests());
        self.inner.scan_with_args(state, inner_args).await
    }
}

#[cfg(test)]
mod tests {
    use datafusion::logical_expr::{col, lit};

    use super::*;

    fn table() -> PaddedPartitions {
        let empty = Arc::new(arrow::datatypes::Schema::empty());
        let inner = datafusion::catalog::MemTable::try_new(empty, vec![vec![]]).expect("table");
        PaddedPartitions::new(Arc::new(inner), vec!["day".to_owned(), "month".to_owned()])
    }

    #[test]
    fn equalities_on_partition_columns_become_ranges_and_nothing_else_changes() {
        let t = table();
        let filters = [
            col("day").eq(lit(7)).and(lit(12).eq(col("month"))),
            col("total").eq(lit(7)),
            col("day").gt(lit(3)),
        ];
        let out = t.rewrite_filters(&filters);
        assert_eq!(
            out[0],
            col("day")
                .between(lit(7), lit(7))
                .and(col("month").between(lit(12), lit(12)))
        );
        assert_eq!(out[1], filters[1]);
        assert_eq!(out[2], filters[2]);
        // No equality is left for the listing prefix.
        let prefix = datafusion::datasource::listing::helpers::evaluate_partition_prefix(
            &[("month".to_owned(), arrow::datatypes::DataType::Int32)],
            &out,
        );
        assert_eq!(prefix, None);
    }
}
