"""Log lines are JSON objects that carry the correlation id."""
import json
import logging

from services.common.observability import JsonFormatter, bind_correlation_id


def test_log_lines_are_json_with_the_correlation_id():
    record = logging.LogRecord("shegong.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    bind_correlation_id("corr-42")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        bind_correlation_id(None)
    assert line["message"] == "hello world" and line["correlation_id"] == "corr-42" and line["level"] == "INFO"
