"""`python -m bench [--quick] [--events N] [--only projection,query] [--profile] ...`"""

from __future__ import annotations

from bench.config import parse
from bench.runner import main

if __name__ == "__main__":
    main(parse())
