using System;
using System.Collections.Generic;
using System.IO;
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

    private readonly Stream _console;

    public PromptSafeConsole(Stream console) => _console = console;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (s_gate)
        {
            if (s_heldBytes + buffer.Length <= HoldLimit && IdlePrompt.IsWaitingForInput(out var prompt))
            {
                if (s_held.Count == 0) CallerContext.Of(prompt).Post(WriteHeldAbovePrompt);
                s_held.Add((_console, buffer.ToArray()));
                s_heldBytes += buffer.Length;
                return;
            }
            WriteHeld();
            _console.Write(buffer);
            _console.Flush();
        }
    }

    /// <summary>
    /// Completes once what children printed is shown, at most after <paramref name="limit"/>; at once unless
    /// the prompt waits for input. A child that ends waits for it before it exits.
    /// </summary>
    /// <remarks>
    /// .NET forgets where the cursor is whenever a child process ends, and PSReadLine, which asks for it
    /// before it runs events, then waits for the terminal's answer behind the thread that reads keys: held
    /// output would wait for the next key (so does every engine event, with or without Multiproc). What a
    /// child wrote just before it said it was done may still be in its pipe, so this looks a moment later.
    /// </remarks>
    public static async Task ShownAsync(TimeSpan limit)
    {
        if (!IdlePrompt.IsWaitingForInput(out _)) return;
        long deadline = Timeouts.Deadline(limit);
        do await Task.Delay(20).ConfigureAwait(false);
        while (IsHolding && Timeouts.MillisecondsLeft(deadline) > 0);
    }

    private static bool IsHolding
    {
        get { lock (s_gate) return s_held.Count > 0; }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    // On the prompt's thread, from CallerContext, inside IdlePrompt.Run: at an idle prompt it has made room
    // above the prompt, and draws it again once this returns, which needs .NET to know where the cursor is
    // without asking the terminal; so it is told.
    private static void WriteHeldAbovePrompt()
    {
        lock (s_gate)
        {
            try
            {
                if (!IdlePrompt.IsWritingAbovePrompt || s_held.Count == 0)
                {
                    WriteHeld();
                    return;
                }
                var (left, top) = Console.GetCursorPosition();
                int width = Console.WindowWidth, height = Console.WindowHeight;
                foreach (var (_, bytes) in WriteHeld()) (left, top) = TerminalCursor.After(bytes, left, top, width, height);
                Console.SetCursorPosition(left, top);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or ArgumentOutOfRangeException) { /* nowhere to print */ }
        }
    }

    private static (Stream To, byte[] Bytes)[] WriteHeld()
    {
        var held = s_held.ToArray();
        s_held.Clear();   // first: a console that fails does not have them written twice
        s_heldBytes = 0;
        foreach (var (to, bytes) in held)
        {
            to.Write(bytes);
            to.Flush();
        }
        return held;
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
