using System;
using System.IO;

namespace Multiproc.Processes;

/// <summary>Where children's standard output and error go: ours, or, in a host's agent, back to the pool's console.</summary>
/// <remarks>
/// A child's standard output is our own (the terminal) unless it is redirected here: an agent's process
/// talks remoting over its standard output, which a child must never write into.
/// </remarks>
internal static class ChildConsole
{
    private static readonly Stream s_ourError = OpenOurError();   // first: Error starts as it

    /// <summary>Where children's standard output is copied; null when they write to ours themselves.</summary>
    public static Stream? Output { get; private set; }

    /// <summary>Where children's standard error is copied (by <see cref="ErrorRelay"/>); nowhere, if ours is closed.</summary>
    /// <remarks>One stream for all children: each opening duplicates the descriptor.</remarks>
    public static Stream Error { get; private set; } = s_ourError;

    /// <summary>From now on, children's output and error go to these streams.</summary>
    public static void Redirect(Stream output, Stream error)
    {
        Output = output;
        Error = error;
    }

    /// <summary>Children's output and error are ours again.</summary>
    public static void Restore()
    {
        Output = null;
        Error = s_ourError;
    }

    private static Stream OpenOurError()
    {
        try { return Console.OpenStandardError(); }
        catch (IOException) { return Stream.Null; }
    }
}
