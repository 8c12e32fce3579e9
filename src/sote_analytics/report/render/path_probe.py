"""Prints ``sys.path`` as JSON: how :mod:`.forked` learns the path of a kernel the interpreter would start."""

import json
import sys

if __name__ == "__main__":
    print(json.dumps(sys.path))
