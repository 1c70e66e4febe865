"""Checks of generated artefacts with the pinned Python tools (sqlglot, jsonschema, botocore).

One process serves a whole test: the Rust test writes a JSON request file, runs
`python check.py <command> <request.json>` and reads one JSON answer from stdout. The
script extracts and validates; the Rust side compares and reports.

Commands:
  sql <request>          request: {"files": [path, ...]}
                         answer:  {path: {"statements": n, "error": str|null, "ddl": {...}|null}}
  jq <request>           request: {"cases": [{"id", "query", "record"}, ...]}
                         answer:  {id: {"result": value|null, "error": str|null}}
                         (the `jq` package: libjq, the engine Firehose's JQ-1.6 parsing runs)
  consistency <request>  request: {"events": [{"id", "ddl", "table", "conversion",
                                    "schema", "sample"}, ...]}
                         answer:  {id: {"ddl": {...}|null, "ddl_error", "schema_errors",
                                   "sample_errors", "glue_errors", "firehose_errors"}}
"""

import json
import sys

import sqlglot
from sqlglot import exp


def glue_type(data_type):
    """A sqlglot DataType in Glue's canonical spelling: lowercase, no spaces or quotes."""
    text = data_type.sql(dialect="hive")
    return text.replace("`", "").replace(" ", "").lower()


def column_defs(schema):
    out = []
    for col in schema.expressions:
        if not isinstance(col, exp.ColumnDef):
            continue
        comment = None
        for constraint in col.constraints or []:
            if isinstance(constraint.kind, exp.CommentColumnConstraint):
                comment = constraint.kind.this.this
        out.append({"name": col.name, "type": glue_type(col.args["kind"]), "comment": comment})
    return out


def describe_ddl(stmt):
    """Table name, columns, partitions, comment, location and properties of a CREATE TABLE."""
    if not isinstance(stmt, exp.Create):
        return None
    schema = stmt.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    info = {
        "kind": stmt.args.get("kind"),
        "exists": bool(stmt.args.get("exists")),
        "table": table.name,
        "columns": column_defs(schema) if isinstance(schema, exp.Schema) else [],
        "partitions": [],
        "comment": None,
        "location": None,
        "format": None,
        "external": False,
        "properties": [],
    }
    props = stmt.args.get("properties")
    for p in props.expressions if props else []:
        if isinstance(p, exp.ExternalProperty):
            info["external"] = True
        elif isinstance(p, exp.SchemaCommentProperty):
            info["comment"] = p.this.this
        elif isinstance(p, exp.PartitionedByProperty):
            info["partitions"] = column_defs(p.this)
        elif isinstance(p, exp.LocationProperty):
            info["location"] = p.this.this
        elif isinstance(p, exp.FileFormatProperty):
            info["format"] = p.this.name
        elif isinstance(p, exp.RowFormatSerdeProperty):
            info["serde"] = p.this.this
        elif isinstance(p, exp.Property):
            info["properties"].append([p.this.this if isinstance(p.this, exp.Literal) else p.name,
                                       p.args["value"].this])
    return info


def parse_file(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        statements = [s for s in sqlglot.parse(text, read="athena") if s is not None]
    except sqlglot.errors.ParseError as e:
        return {"statements": 0, "error": str(e), "ddl": None}
    ddl = None
    if statements and isinstance(statements[0], exp.Create):
        ddl = describe_ddl(statements[0])
    return {"statements": len(statements), "error": None, "ddl": ddl}


def cmd_sql(request):
    return {path: parse_file(path) for path in request["files"]}


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def botocore_errors(validator, model, operation, params):
    shape = model.operation_model(operation).input_shape
    report = validator.validate(params, shape)
    return [report.generate_report()] if report.has_errors() else []


def cmd_consistency(request):
    import botocore.session
    from botocore.validate import ParamValidator
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    session = botocore.session.get_session()
    glue = session.get_service_model("glue")
    firehose = session.get_service_model("firehose")
    validator = ParamValidator()
    answer = {}
    for ev in request["events"]:
        out = {"ddl": None, "ddl_error": None, "schema_errors": [], "sample_errors": [],
               "glue_errors": [], "firehose_errors": []}
        parsed = parse_file(ev["ddl"])
        out["ddl"] = parsed["ddl"]
        out["ddl_error"] = parsed["error"]

        schema = load_json(ev["schema"])
        sample = load_json(ev["sample"])
        try:
            Draft202012Validator.check_schema(schema)
            v = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
            out["sample_errors"] = [
                f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                for e in v.iter_errors(sample)
            ]
        except SchemaError as e:
            out["schema_errors"].append(str(e))

        table = load_json(ev["table"])
        out["glue_errors"] = botocore_errors(
            validator, glue, "CreateTable", {"DatabaseName": "x", "TableInput": table})
        if ev.get("errors_table"):
            out["glue_errors"] += botocore_errors(
                validator, glue, "CreateTable",
                {"DatabaseName": "x", "TableInput": load_json(ev["errors_table"])})

        conversion = load_json(ev["conversion"])
        out["firehose_errors"] = botocore_errors(validator, firehose, "CreateDeliveryStream", {
            "DeliveryStreamName": "x",
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": "arn:aws:iam::123456789012:role/x",
                "BucketARN": "arn:aws:s3:::x",
                "DataFormatConversionConfiguration": conversion,
            },
        })
        answer[ev["id"]] = out
    return answer


def cmd_jq(request):
    import jq

    answer = {}
    compiled = {}  # one compilation per distinct query
    for case in request["cases"]:
        try:
            if case["query"] not in compiled:
                compiled[case["query"]] = jq.compile(case["query"])
            result = compiled[case["query"]].input_value(case["record"]).first()
            answer[case["id"]] = {"result": result, "error": None}
        except Exception as e:  # a failing query is an answer, not a crash
            answer[case["id"]] = {"result": None, "error": str(e)}
    return answer


def main():
    command, request_path = sys.argv[1], sys.argv[2]
    request = load_json(request_path)
    commands = {"sql": cmd_sql, "consistency": cmd_consistency, "jq": cmd_jq}
    json.dump(commands[command](request), sys.stdout)


if __name__ == "__main__":
    main()
