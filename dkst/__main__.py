"""`python -m dkst`: the same as the `dkst` console script."""

from dkst.cli import main

if __name__ == "__main__":
    main()
