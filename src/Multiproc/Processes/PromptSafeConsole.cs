using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Threading.Tasks;
using Multiproc.Pool;

namespace Multiproc.Processes;

/// <summary>
/// Our console's output or error as children's copied output reaches it: written as it comes, except while
/// the prompt waits for input, when it is held and written above the prompt by the prompt's own thread,
/// which draws the prompt and what was typed again below it (<see cref="IdlePrompt"/>).
/// </summary>
/// <remarks>
/// Written straight away, a child's line would land in the middle of the line being typed. The prompt's
/// thread runs what it is given between keys, as it runs callbacks: with text typed, on Unix, at the next
/// key. What is held is written in order, with anything that comes after it, once the prompt is gone.
/// </remarks>
internal sealed class PromptSafeConsole : Stream
{
    private const int HoldLimit = 1 << 20;   // beyond it the text is written as it comes: memory over manners

    // One for both streams: what a child wrote to each keeps its order across them.
    private static readonly object s_gate = new();
    private static readonly List<(Stream To, byte[] Bytes)> s_held = [];
    private static int s_heldBytes;
    private static int s_awaitedRedraw;   // the IdlePrompt redraw that shows what was last written above the prompt
    private static int s_batch;           // counts the times held output was handed to the prompt
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(1);

    private readonly Stream _console;

    public PromptSafeConsole(Stream console) => _console = console;

    /// <summary>
    /// On the thread of the console's prompt (at the module's import): readies what holds output for it. Made
    /// there, not on the thread that copies a child's output, because an engine event is subscribed to.
    /// </summary>
    public static void PrepareForPrompt(Runspace runspace)
    {
        if (ChildConsole.ReachesTerminal && IdlePrompt.IsConsoleRunspace(runspace)) CallerContext.Of(runspace);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (s_gate)
        {
            if (s_heldBytes + buffer.Length <= HoldLimit && PromptWaiting() is { } prompt)
            {
                if (s_held.Count == 0)
                {
                    prompt.Post(WriteHeldAbovePrompt);
                    _ = WriteIfStalled(++s_batch);
                }
                s_held.Add((_console, buffer.ToArray()));
                s_heldBytes += buffer.Length;
                return;
            }
            WriteAll(TakeHeld());
            _console.Write(buffer);
            _console.Flush();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>
    /// Completes once what children printed is shown, at most after <paramref name="limit"/>; at once unless
    /// the prompt waits for input. A child that ends waits for it before it exits. Past the limit, what is
    /// still held is written where the cursor is.
    /// </summary>
    /// <remarks>
    /// .NET forgets where the cursor is whenever a child process ends, and PSReadLine, which asks for it
    /// before it runs events, then waits for the terminal's answer behind the thread that reads keys: held
    /// output would wait for the next key (so does every engine event, with or without Multiproc). What a
    /// child wrote just before it said it was done may still be in its pipe, so this looks a moment later.
    /// </remarks>
    public static async Task ShownAsync(TimeSpan limit)
    {
        if (PromptWaiting() is null) return;
        long deadline = Timeouts.Deadline(limit);
        do await Task.Delay(20).ConfigureAwait(false);
        while (!IsShown && Timeouts.MillisecondsLeft(deadline) > 0);
        if (IsShown) return;
        lock (s_gate)
        {
            try { WriteAll(TakeHeld()); }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { /* nowhere to print */ }
        }
    }

    // With nothing typed, the prompt runs what it is given within 300 ms, unless a process has ended since it
    // last did (see ShownAsync): then the output is written where the cursor is rather than wait for a key.
    private static async Task WriteIfStalled(int batch)
    {
        await Task.Delay(StallLimit).ConfigureAwait(false);
        lock (s_gate)
        {
            if (batch != s_batch || s_held.Count == 0 || IdlePrompt.HasTypedText()) return;
            try { WriteAll(TakeHeld()); }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { /* nowhere to print */ }
        }
    }

    // Held output is written, and the prompt drawn again below it.
    private static bool IsShown
    {
        get { lock (s_gate) return s_held.Count == 0 && IdlePrompt.Redraws >= s_awaitedRedraw; }
    }

    // The context of the console's runspace when its prompt waits for input; null otherwise, or when the
    // prompt cannot be reached (any failure here means: write as it comes).
    private static CallerContext? PromptWaiting()
    {
        try
        {
            return IdlePrompt.IsWaitingForInput(out var runspace) && CallerContext.TryOf(runspace, out var context) ? context : null;
        }
        catch (Exception) { return null; }
    }

    // On the prompt's thread, from CallerContext, inside IdlePrompt.Run: at an idle prompt it has made room
    // above the prompt, and draws it again once this returns, which needs .NET to know where the cursor is
    // without asking the terminal; so it is told. The writing is done outside the lock: what comes meanwhile
    // is held for the next turn, as the prompt still waits.
    private static void WriteHeldAbovePrompt()
    {
        (Stream To, byte[] Bytes)[] held;
        lock (s_gate)
        {
            held = TakeHeld();
            if (IdlePrompt.IsWritingAbovePrompt && held.Length > 0) s_awaitedRedraw = IdlePrompt.Redraws + 1;
        }
        try
        {
            if (!IdlePrompt.IsWritingAbovePrompt || held.Length == 0)
            {
                WriteAll(held);
                return;
            }
            var (left, top) = Console.GetCursorPosition();
            WriteAll(held);
            var text = held.SelectMany(h => h.Bytes).ToArray();   // one text: a character may be split between reads
            (left, top) = TerminalCursor.After(text, left, top, Console.WindowWidth, Console.WindowHeight);
            Console.SetCursorPosition(left, top);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or ArgumentOutOfRangeException) { /* nowhere to print */ }
    }

    private static (Stream To, byte[] Bytes)[] TakeHeld()
    {
        var held = s_held.ToArray();
        s_held.Clear();
        s_heldBytes = 0;
        return held;
    }

    private static void WriteAll((Stream To, byte[] Bytes)[] held)
    {
        foreach (var (to, bytes) in held)
        {
            to.Write(bytes);
            to.Flush();
        }
    }

    public override void Flush() { }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
