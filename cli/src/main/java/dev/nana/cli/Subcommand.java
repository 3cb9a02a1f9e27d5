package dev.nana.cli;

import picocli.CommandLine;

/** What every nana subcommand has: its parent (global options, the invocation's Io) and its own spec. */
abstract class Subcommand {
    @CommandLine.ParentCommand
    NanaCommand nana;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
}
