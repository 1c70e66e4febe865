"""AWS's own implementation of the KPL aggregation format (aws-kinesis-agg, PyPI), driven by
kinesis-agg/tests/interop.rs. Reads one JSON request on stdin, writes one JSON answer.

  {"mode": "deaggregate", "records": [{"pk": str, "data": hex}]}
      -> {"records": [{"pk": str, "ehk": str|null, "data": hex, "aggregated": bool}]}
  {"mode": "aggregate", "max_size": int, "records": [{"pk": str, "ehk": str|null, "data": hex}]}
      -> {"records": [{"pk": str, "ehk": str|null, "data": hex}]}
"""
import base64
import datetime
import json
import sys

from aws_kinesis_agg.aggregator import RecordAggregator
from aws_kinesis_agg.deaggregator import iter_deaggregate_records


def deaggregate(records):
    boto3_style = [
        {
            "SequenceNumber": "0",
            "PartitionKey": r["pk"],
            "ApproximateArrivalTimestamp": datetime.datetime(2024, 1, 1),
            "Data": bytes.fromhex(r["data"]),
        }
        for r in records
    ]
    out = []
    for user in iter_deaggregate_records(boto3_style, data_format="Boto3"):
        k = user["kinesis"]
        data = k["data"]
        aggregated = bool(k.get("aggregated"))
        # De-aggregated records come back base64-encoded (as Lambda delivers them); records
        # passed through keep the raw bytes of the Boto3 format.
        raw = base64.b64decode(data) if aggregated else data
        out.append(
            {
                "pk": k["partitionKey"],
                "ehk": k.get("explicitHashKey"),
                "data": raw.hex(),
                "aggregated": aggregated,
            }
        )
    return out


def aggregate(records, max_size):
    agg = RecordAggregator(max_size)
    out = []

    def emit(rec):
        pk, ehk, data = rec.get_contents()
        out.append({"pk": pk, "ehk": ehk or None, "data": data.hex()})

    for r in records:
        full = agg.add_user_record(r["pk"], bytes.fromhex(r["data"]), r.get("ehk"))
        if full is not None:
            emit(full)
    rest = agg.clear_and_get()
    if rest is not None:
        emit(rest)
    return out


def main():
    request = json.load(sys.stdin)
    if request["mode"] == "deaggregate":
        answer = deaggregate(request["records"])
    else:
        answer = aggregate(request["records"], request["max_size"])
    json.dump({"records": answer}, sys.stdout)


main()
