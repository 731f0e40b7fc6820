"""Command line: ``python -m sklweights tour [--quick] [--only NAME ...]``."""

import argparse
import sys


def main(argv=None):
    from ._tour import SECTIONS

    parser = argparse.ArgumentParser(
        prog="python -m sklweights",
        description="sklweights command line.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    tour = sub.add_parser(
        "tour",
        help="run every estimator end to end next to its usual baseline",
    )
    tour.add_argument(
        "--quick", action="store_true", help="small data: under 30 s on 2 cores"
    )
    tour.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help=f"run only these sections: {', '.join(SECTIONS)}",
    )
    tour.add_argument(
        "--output",
        default="sklweights-tour",
        help="folder for the figures (default: ./sklweights-tour)",
    )
    tour.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "tour":
        from ._tour import run_tour

        return run_tour(
            quick=args.quick,
            only=args.only,
            outdir=args.output,
            random_state=args.random_state,
        )
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
