"""The register's REST endpoints (市场主体登记 API) describe themselves in the OpenAPI schema without
a single drf-spectacular warning or error, with typed path parameters and nested task lists."""

from io import StringIO

import yaml
from django.core.management import call_command


def test_enterprises_schema_has_no_warnings_and_typed_parameters():
    out, err = StringIO(), StringIO()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf",
        "enterprises.tests.schema_urls",
        stdout=out,
        stderr=err,
    )
    assert "Warning" not in err.getvalue() and "Error" not in err.getvalue().replace("Errors:   0", "")
    schema = yaml.safe_load(out.getvalue())
    paths = schema["paths"]
    for url, operations in paths.items():
        for operation in operations.values():
            assert operation.get("summary"), url
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    expected = "string" if parameter["name"] == "number" else "integer"
                    assert parameter["schema"]["type"] == expected, (url, parameter)
    assert "/api/v1/enterprises/{id}/deregistrations/" in paths
    startup = schema["components"]["schemas"]["StartupOutput"]["properties"]["tasks"]
    assert startup["items"]["$ref"].endswith("/StartupTaskOutput")
