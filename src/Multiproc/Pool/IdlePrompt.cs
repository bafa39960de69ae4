using System;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Threading;

namespace Multiproc.Pool;

/// <summary>
/// Prints above a prompt that waits for input: what a callback writes at an idle PSReadLine prompt takes
/// the prompt's place, and the prompt is drawn again below it with what was typed, as a well-behaved
/// console program does.
/// </summary>
/// <remarks>
/// PSReadLine runs engine events from its key loop; when their output moves the cursor, it draws the
/// typed text again on the new row but not the prompt, and text printed mid-line stays in the line.
/// PSReadLine is reached through its public static API by reflection, so the module does not depend on it.
/// On Unix a typed line delays events until the next key: PSReadLine asks the terminal where the cursor is
/// before it runs them, and that waits for the thread that reads keys. For the same reason a callback that
/// writes raw escape sequences (which .NET cannot follow) leaves the prompt to be drawn at the next key.
/// The prompt is drawn again even when the callbacks printed nothing: the prompt function runs once more.
/// </remarks>
internal static class IdlePrompt
{
    private const string ReadLineFunction = "PSConsoleHostReadLine";
    private static PSReadLineApi? s_api;   // looked for until found: PSReadLine loads when the first prompt shows
    private static PSReadLineApi? Api => s_api ??= PSReadLineApi.Find();
    private static readonly Lazy<Func<Runspace?>?> s_primaryRunspace = new(FindPrimaryRunspace);
    private static readonly Lazy<Func<Runspace, string?>?> s_runningCommand = new(FindRunningCommand);

    [ThreadStatic] private static bool t_abovePrompt;
    private static int s_redraws;

    /// <summary>How many times the prompt has been drawn again below what was written above it.</summary>
    internal static int Redraws => Volatile.Read(ref s_redraws);

    /// <summary>From any thread: whether the prompt holds typed text (then PSReadLine on Unix runs events at the next key).</summary>
    internal static bool HasTypedText()
    {
        try { return Api?.TypedText() is { Length: > 0 }; }
        catch (Exception) { return false; }
    }

    /// <summary>Whether <paramref name="runspace"/> is the console's own, the one whose prompt PSReadLine draws.</summary>
    internal static bool IsConsoleRunspace(Runspace runspace) => s_primaryRunspace.Value?.Invoke() == runspace;

    /// <summary>
    /// Whether this thread writes in the room made above an idle prompt, which is drawn again after: .NET must
    /// then know where the cursor is without asking the terminal (<see cref="Processes.TerminalCursor"/>).
    /// </summary>
    internal static bool IsWritingAbovePrompt => t_abovePrompt;

    /// <summary>
    /// From any thread: whether the console's prompt waits for input in PSReadLine, and the runspace it
    /// belongs to (where <see cref="Run"/> is to be called from an engine event's action).
    /// </summary>
    /// <remarks>
    /// The console host reads a line by running `PSConsoleHostReadLine` as a pipeline of its own; no public
    /// API says which pipeline runs, so PowerShell's internal accessors are found by reflection, and their
    /// absence means "not waiting": output is then written as it comes.
    /// </remarks>
    internal static bool IsWaitingForInput([NotNullWhen(true)] out Runspace? runspace)
    {
        runspace = null;
        if (Console.IsOutputRedirected || Console.IsInputRedirected) return false;
        if (s_primaryRunspace.Value?.Invoke() is not { } primary || s_runningCommand.Value is not { } running) return false;
        try
        {
            if (running(primary) != ReadLineFunction) return false;
        }
        catch (Exception) { return false; }   // the list changed while it was read
        runspace = primary;
        return Api is not null;
    }

    /// <summary>
    /// Runs <paramref name="write"/>; when it is called from an engine event's action that PSReadLine runs
    /// while it waits for input, what it prints goes above the prompt.
    /// </summary>
    internal static void Run(Action write)
    {
        if (!FromIdleReadLine() || Api is not { } api) { write(); return; }
        api.WriteAbovePrompt(write);
    }

    // The action's own frame, then PSReadLine's reading function: a key handler or a completion between
    // them would be interrupted mid-draw, so only this shape counts.
    private static bool FromIdleReadLine()
    {
        if (Console.IsOutputRedirected || Console.IsInputRedirected) return false;
        var frames = Runspace.DefaultRunspace?.Debugger.GetCallStack().Take(2).ToArray();
        return frames is { Length: 2 } && frames[1].FunctionName == ReadLineFunction;
    }

    private static Func<Runspace?>? FindPrimaryRunspace()
    {
        var property = typeof(Runspace).GetProperty("PrimaryRunspace", BindingFlags.Static | BindingFlags.NonPublic);
        return property is null ? null : () => property.GetValue(null) as Runspace;
    }

    // The text of the outermost running pipeline's only command; null for none, or for more than one. While
    // PSReadLine waits, that is the host's call to it: what runs inside it (event actions, completion) is nested.
    private static Func<Runspace, string?>? FindRunningCommand()
    {
        var runningPipelines = typeof(Runspace).Assembly.GetType("System.Management.Automation.Runspaces.RunspaceBase")
            ?.GetProperty("RunningPipelines", BindingFlags.Instance | BindingFlags.NonPublic);
        var commands = typeof(Runspace).Assembly.GetType("System.Management.Automation.Runspaces.Pipeline")?.GetProperty("Commands");
        if (runningPipelines is null || commands is null) return null;
        return runspace => runningPipelines.GetValue(runspace) is System.Collections.IList { Count: > 0 } pipelines
            && commands.GetValue(pipelines[0]) is System.Collections.IList { Count: 1 } list && list[0] is Command command
            ? command.CommandText
            : null;
    }

    private sealed class PSReadLineApi
    {
        private readonly MethodInfo _getBufferState, _setCursorPosition, _invokePrompt, _getOptions;

        private PSReadLineApi(MethodInfo getBufferState, MethodInfo setCursorPosition, MethodInfo invokePrompt, MethodInfo getOptions)
        {
            (_getBufferState, _setCursorPosition, _invokePrompt, _getOptions) = (getBufferState, setCursorPosition, invokePrompt, getOptions);
        }

        internal static PSReadLineApi? Find()
        {
            var type = AppDomain.CurrentDomain.GetAssemblies()
                .Select(a => a.GetType("Microsoft.PowerShell.PSConsoleReadLine", throwOnError: false))
                .FirstOrDefault(t => t is not null);
            if (type is null) return null;
            var getBufferState = type.GetMethod("GetBufferState", [typeof(string).MakeByRefType(), typeof(int).MakeByRefType()]);
            var setCursorPosition = type.GetMethod("SetCursorPosition", [typeof(int)]);
            var invokePrompt = type.GetMethod("InvokePrompt", [typeof(ConsoleKeyInfo?), typeof(object)]);
            var getOptions = type.GetMethod("GetOptions", Type.EmptyTypes);
            return getBufferState is null || setCursorPosition is null || invokePrompt is null || getOptions is null
                ? null
                : new PSReadLineApi(getBufferState, setCursorPosition, invokePrompt, getOptions);
        }

        // A console that cannot be drawn on as planned (its size changed, a write failed) leaves the output
        // as it came: the callbacks run all the same, and nothing escapes into PowerShell's event job.
        internal void WriteAbovePrompt(Action write)
        {
            int editPoint;
            try { editPoint = MakeRoom(); }
            catch (Exception)
            {
                write();
                return;
            }
            try
            {
                t_abovePrompt = true;
                write();
            }
            finally
            {
                t_abovePrompt = false;
                try { Redraw(editPoint); }
                catch (Exception) { /* the next key draws the input again */ }
                Interlocked.Increment(ref s_redraws);
            }
        }

        // Clears the prompt and the input, the cursor where the prompt began; returns the input's cursor offset.
        private int MakeRoom()
        {
            int editPoint = CursorOffset();
            SetCursorPosition(0);   // the input's start, just after the prompt
            int promptRow = Math.Max(0, Console.CursorTop - ExtraPromptLineCount());
            Console.SetCursorPosition(0, promptRow);
            Console.Write("\x1b[J");                  // the prompt and the input make room for the output
            Console.SetCursorPosition(0, promptRow);  // .NET knows again where the cursor is
            return editPoint;
        }

        private void Redraw(int editPoint)
        {
            if (Console.CursorLeft != 0) Console.WriteLine();
            _invokePrompt.Invoke(null, [null, Console.CursorTop]);   // the prompt and the input, the cursor at the input's start
            int inputRow = Console.CursorTop;
            SetCursorPosition(editPoint);
            // Once the action returns, PSReadLine takes the cursor's row for the input's first row if the
            // cursor has moved since it ran the events, and draws the input there: so the cursor ends on that
            // row. If that is the row it was on, PSReadLine draws nothing and the cursor stays on the first
            // row until the next key, a small blemish where the alternative is the input drawn twice.
            Console.SetCursorPosition(Console.CursorLeft, inputRow);
        }

        internal string? TypedText()
        {
            var state = new object?[] { null, 0 };
            _getBufferState.Invoke(null, state);
            return state[0] as string;
        }

        private int CursorOffset()
        {
            var state = new object?[] { null, 0 };
            _getBufferState.Invoke(null, state);
            return (int)state[1]!;
        }

        private void SetCursorPosition(int offset) => _setCursorPosition.Invoke(null, [offset]);

        private int ExtraPromptLineCount()
        {
            var options = _getOptions.Invoke(null, null);
            return options?.GetType().GetProperty("ExtraPromptLineCount")?.GetValue(options) as int? ?? 0;
        }
    }
}
