using System;
using System.IO;

namespace Multiproc.Processes;

/// <summary>Where children's standard output and error go: ours, or, in a host's agent, back to the pool's console.</summary>
/// <remarks>
/// A child writes to our standard output itself, unless we copy it: at a terminal, where what it writes
/// must not land in the line being typed at an idle prompt (<see cref="PromptSafeConsole"/>), and in an
/// agent, whose standard output is the remoting stream, which a child must never write into.
/// </remarks>
internal static class ChildConsole
{
    /// <summary>Set in a child's environment when its output reaches a terminal through its parent.</summary>
    public const string TerminalVariable = "MULTIPROC_TERMINAL";

    private static readonly bool s_atTerminal = !Console.IsOutputRedirected && !Console.IsInputRedirected;
    private static readonly Stream s_ourError = OurConsole(Console.OpenStandardError, s_atTerminal && !Console.IsErrorRedirected);   // first: Error starts as it
    private static readonly Lazy<Stream> s_ourOutput = new(() => OurConsole(Console.OpenStandardOutput, s_atTerminal));
    private static Stream? s_redirectedOutput;

    /// <summary>Whether children's standard output is copied, to <see cref="Output"/>; else they write to ours themselves.</summary>
    public static bool IsCopied => s_redirectedOutput is not null || s_atTerminal;

    /// <summary>Whether a child's output reaches a terminal through us: it then draws Write-Host's colours itself.</summary>
    public static bool ReachesTerminal => s_redirectedOutput is null && s_atTerminal;

    /// <summary>Where children's standard output is copied when <see cref="IsCopied"/>, and where a remote worker's arrives.</summary>
    public static Stream Output => s_redirectedOutput ?? s_ourOutput.Value;

    /// <summary>Where children's standard error is copied (by <see cref="ErrorRelay"/>); nowhere, if ours is closed.</summary>
    /// <remarks>One stream for all children: each opening duplicates the descriptor.</remarks>
    public static Stream Error { get; private set; } = s_ourError;

    /// <summary>Whether children's console goes somewhere else than ours (an agent's); a standby, which writes to ours, is not taken then.</summary>
    public static bool IsRedirected => s_redirectedOutput is not null;

    /// <summary>From now on, children's output and error go to these streams.</summary>
    public static void Redirect(Stream output, Stream error)
    {
        s_redirectedOutput = output;
        Error = error;
    }

    /// <summary>Children's output and error are ours again.</summary>
    public static void Restore()
    {
        s_redirectedOutput = null;
        Error = s_ourError;
    }

    // Only a stream that reaches the terminal is kept off the prompt: what goes to a file is written as it comes.
    private static Stream OurConsole(Func<Stream> open, bool isTerminal)
    {
        Stream console;
        try { console = open(); }
        catch (IOException) { return Stream.Null; }
        return isTerminal ? new PromptSafeConsole(console) : console;
    }
}
