"""Type-checked, never run: each marked line must be reported by the type checker."""

from app.store_actors import EchoProcess, StoreProcess


def misuse(process: StoreProcess[str, int], echo: EchoProcess) -> None:
    process.put(1, 1)  # E: Argument 1 to "put" of "StoreProcess" has incompatible type "int"; expected "str"
    echo.echo(1.5)  # E: Value of type variable "T" of "echo" of "EchoProcess" cannot be "float"
