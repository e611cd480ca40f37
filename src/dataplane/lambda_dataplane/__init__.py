"""Local Lambda data plane: runs container-image functions the way AWS Lambda does.

Generic (no application logic): the Runtime API served to awslambdaric, Function URL
ingress with SigV4 (AWS_IAM) auth. See docs/dataplane-runtime.md.
"""

from lambda_dataplane.config import FunctionConfig, InvocationResult, Invoker
from lambda_dataplane.errors import (
    DataplaneError,
    InvocationTooLargeError,
    LaunchError,
    RuntimeStoppedError,
    SignatureError,
)
from lambda_dataplane.function_runtime import FunctionRuntime, LogSink
from lambda_dataplane.function_url import FunctionUrlServer
from lambda_dataplane.launchers import (
    DockerLauncher,
    ExecutionEnvironment,
    Launcher,
    ProcessLauncher,
)
from lambda_dataplane.sigv4 import Credential, Identity, SigV4Verifier

__all__ = [
    "Credential",
    "DataplaneError",
    "DockerLauncher",
    "ExecutionEnvironment",
    "FunctionConfig",
    "FunctionRuntime",
    "FunctionUrlServer",
    "Identity",
    "InvocationResult",
    "InvocationTooLargeError",
    "Invoker",
    "LaunchError",
    "Launcher",
    "LogSink",
    "ProcessLauncher",
    "RuntimeStoppedError",
    "SigV4Verifier",
    "SignatureError",
]
