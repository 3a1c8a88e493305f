# Every process that uses the kernel (services, gateway, CLI, tests) reads and writes kombu's "json"
# through the same codec, so clients and services agree by construction (json_codec.py says why).
from .json_codec import install as _install_json_codec

_install_json_codec()
