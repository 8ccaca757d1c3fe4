"""Generate realistic, deterministic workers for benchmarks (see workers/generator.py)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workers.generator import (
    DEFAULT_CHUNK_SIZE,
    GENERATION_STEPS,
    GenerationError,
    default_verifier,
    delete_generated,
    generate_workers,
)


class Command(BaseCommand):
    help = (
        "Generate N realistic workers (valid CURP and NSS, documents, occupations, languages) with "
        "PostgreSQL COPY. Deterministic: the same seed and --as-of give the same rows. Refuses to run "
        "when this seed's workers exist; --reset first deletes every generated worker. The audit "
        "triggers stay on (history rows are written under a 'generate_data' context)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=0, help="How many workers to generate.")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random generator (default 1).")
        parser.add_argument(
            "--reset", action="store_true",
            help="Delete every generated worker first (any seed, demo ones included: load_demo recreates those).",
        )
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="Workers per COPY chunk.")
        parser.add_argument(
            "--as-of", type=datetime.date.fromisoformat, default=None,
            help="Date ages and document dates are relative to (YYYY-MM-DD; default today).",
        )
        for step in GENERATION_STEPS:
            if step.add_arguments:
                step.add_arguments(parser)

    def handle(self, *args, workers, seed, reset, chunk_size, as_of, verbosity, **options):
        if workers < 0 or chunk_size < 1:
            raise CommandError("--workers must be ≥ 0 and --chunk-size ≥ 1.")
        if reset:
            deleted = delete_generated()
            self.stdout.write(f"Deleted {deleted} generated workers.")
        if not workers:
            return

        def progress(result):
            if verbosity > 1 or result.workers == workers or result.chunks % 10 == 0:
                self.stdout.write(f"  {result.workers:>9,} workers ({result.seconds_so_far():.1f} s)")

        try:
            result = generate_workers(count=workers, seed=seed, as_of=as_of or timezone.localdate(),
                                      chunk_size=chunk_size, progress=progress if verbosity else None)
        except GenerationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Generated {result.workers:,} workers, {result.documents:,} documents, {result.occupations:,} "
            f"occupations, {result.languages:,} languages in {result.seconds:.1f} s "
            f"(building rows {result.build_seconds:.1f} s, COPY {result.copy_seconds:.1f} s; "
            f"{result.chunks} chunks, {result.copy_statements} COPY statements)."
        )
        for step in GENERATION_STEPS:
            label, count = step.generate(seed=seed, as_of=as_of or timezone.localdate(), verifier=default_verifier(),
                                         **{name: options[name] for name in step.options})
            self.stdout.write(f"Generated {count:,} {label}.")
