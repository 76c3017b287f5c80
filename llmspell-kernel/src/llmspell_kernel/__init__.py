"""The llmspell kernel: Lua over the Jupyter protocol, with one long-lived `llmspell.Manager`.

Optional by design: installing this distribution adds `llmspell kernel ...` and `--connect`;
without it the CLI never imports ZeroMQ, ipykernel or jupyter_client.
"""

__version__ = "0.1.0"

#: The kernelspec name (`jupyter console --kernel llmspell`).
KERNEL_NAME = "llmspell"
