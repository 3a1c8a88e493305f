import sys

from shegong.cli import main

sys.exit(main())
