"""The ``numdl`` command: list and run experiments, run the derivative checks."""

from __future__ import annotations

import sys

import click

from numdl import __version__

USER_ERRORS = (ValueError, FileNotFoundError, PermissionError)


def _fail(err: Exception) -> None:
    click.echo(f"numdl: error: {err}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="numdl")
def main():
    """Numerical Methods for Deep Learning — experiments and derivative checks.

    \b
    numdl list                      the experiments, one line each
    numdl run NAME [--quick]        run one: table, figures, metrics.json
    numdl check                     Taylor and adjoint tests of every derivative
    """


@main.command("list")
def list_cmd():
    """List the experiments with a one-line description."""
    from numdl.experiments import list_experiments

    exps = list_experiments()
    width = max(len(e.name) for e in exps)
    for e in exps:
        lec = f"L{e.lecture:<2d}" if e.lecture is not None else "   "
        opts = "".join(f" [--{k} {'|'.join(map(str, o.choices)) if o.choices else type(o.default).__name__.upper()}]"
                       for k, o in e.options.items())
        click.echo(f"{lec} {e.name.ljust(width)}  {e.description}{opts}")


@main.command("run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("name")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Output folder for figures and metrics.json [default: out/NAME].")
@click.option("--quick", is_flag=True, help="Small sizes: finishes in seconds.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of all randomness.")
@click.option("--threads", type=click.IntRange(min=0), default=1, show_default=True,
              help="BLAS threads (0: the BLAS default).")
@click.pass_context
def run_cmd(ctx, name, out, quick, seed, threads):
    """Run experiment NAME; experiment options follow as --option VALUE.

    Prints a short result table and writes PNG figures and metrics.json.
    `numdl list` shows each experiment's own options, e.g.
    `numdl run resnet-peaks --solver varpro`.
    """
    from numdl.experiments import run_experiment

    try:
        options = _parse_extra(ctx.args)
        result = run_experiment(name, out, quick=quick, seed=seed, options=options, threads=threads,
                                echo=click.echo)
    except USER_ERRORS as err:
        _fail(err)
    click.echo(f"\nwrote {len(result.figures)} figure(s) and metrics.json to {result.out}/")
    for path in result.figures:
        click.echo(f"  {path}")


def _parse_extra(args: list[str]) -> dict[str, str]:
    """Turn ``--key value`` / ``--key=value`` pairs into a dict."""
    options, i = {}, 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or len(arg) == 2:
            raise ValueError(f"unexpected argument {arg!r}; experiment options look like --name value")
        key, eq, value = arg[2:].partition("=")
        if not eq:
            if i + 1 >= len(args):
                raise ValueError(f"option --{key}: missing a value")
            value, i = args[i + 1], i + 1
        options[key.replace("-", "_")] = value
        i += 1
    return options


@main.command("check")
@click.argument("pattern", required=False)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="Print the Taylor table of every failure.")
def check_cmd(pattern, seed, verbose):
    """Run the Taylor and adjoint checks of every registered object.

    PATTERN keeps only the objects whose name contains it. Exits 1 on any failure.
    """
    from numdl.checks import run_checks

    results = run_checks(pattern, seed=seed)
    if not results:
        _fail(ValueError(f"pattern: no registered check matches {pattern!r}"))
    w1 = max(len(r.case) for r in results)
    w2 = max(len(r.test) for r in results)
    for r in results:
        status = "pass" if r.passed else "FAIL"
        click.echo(f"{r.case.ljust(w1)}  {r.test.ljust(w2)}  {status}  {r.detail}")
        if verbose and not r.passed:
            click.echo(str(r.result))
    n_fail = sum(not r.passed for r in results)
    click.echo(f"\n{len(results) - n_fail} passed, {n_fail} failed")
    sys.exit(1 if n_fail else 0)
