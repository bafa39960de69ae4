using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Multiproc.Processes;

/// <summary>
/// Copies a child's standard error to ours as it comes, except the runtime's report of a fatal error
/// (`[Environment]::FailFast`, an unhandled exception): its first lines are kept for the error that says
/// how the child ended, and its stack of ~100 frames is not printed.
/// </summary>
/// <remarks>
/// Text that only looks like such a report (a crashed tool a task ran, a line a script printed) is given
/// back: a report is followed by the child's end within seconds, and this text by more text, or by nothing
/// for long. A report nobody claims within a few seconds of the child's end (a standby that died at start,
/// a worker that crashed idle) is printed then, without its stack, so that nothing the child said is lost.
/// </remarks>
internal sealed class ErrorRelay
{
    // How the runtime begins a fatal report, at the start of a line.
    private static readonly byte[][] FatalHeaders = ["Process terminated."u8.ToArray(), "Unhandled exception."u8.ToArray()];
    private const int ReportLimit = 16 * 1024;
    private static readonly long DyingWithin = Stopwatch.Frequency * 5;   // from a report's header to the child's end
    private static readonly long WritingAfter = Stopwatch.Frequency * 2;  // more text this long after a header: no report
    private static readonly TimeSpan UnclaimedAfter = TimeSpan.FromSeconds(3);

    private readonly int _processId;
    private readonly Stream _from;
    private readonly object _gate = new();   // the report: written by the pump, read by whoever takes it
    private List<byte>? _lineStart = [];   // the current line's bytes while they may still begin a report; null mid-line
    private MemoryStream? _report;         // from the report's header on
    private long _reportStarted;           // when its header came (Stopwatch ticks)
    private int _claimed;                  // 1 once the report was quoted, or printed

    private ErrorRelay(int processId, Stream from)
    {
        _processId = processId;
        _from = from;
        Drained = Task.Run(Pump);
    }

    /// <summary>Done when the child's standard error has closed: the child and all it started have gone.</summary>
    public Task Drained { get; }

    public static ErrorRelay Start(int processId, Stream childError) => new(processId, childError);

    /// <summary>
    /// The runtime's report of a fatal error, without its stack ("Process terminated. boom"), once the
    /// child's standard error has closed or <paramref name="wait"/> has passed; null when there is none.
    /// Whoever quotes it calls <see cref="Claim"/>; otherwise it is printed a few seconds on.
    /// </summary>
    public string? FatalReport(TimeSpan wait)
    {
        Task.WaitAny([Drained], wait);
        return Volatile.Read(ref _claimed) == 0 ? Summary() : null;
    }

    /// <summary>The report has been quoted in an error: it is not printed as well.</summary>
    public void Claim() => Interlocked.Exchange(ref _claimed, 1);

    private async Task Pump()
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await _from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                Relay(buffer.AsSpan(0, read));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { /* closed under us: the child is gone */ }
        finally { _from.Dispose(); }   // the Process leaves a stream that was read to whoever read it
        if (_lineStart is { Count: > 0 }) Forward(CollectionsMarshal.AsSpan(_lineStart));
        if (_report is null) return;
        if (Stopwatch.GetTimestamp() - _reportStarted > DyingWithin) GiveBack();   // the child went on living: no report
        else _ = PrintIfUnclaimed();
    }

    private void Relay(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_report is not null)
            {
                if (Stopwatch.GetTimestamp() - _reportStarted > WritingAfter) GiveBack();
                else
                {
                    lock (_gate) _report.Write(data[..Math.Min(data.Length, Math.Max(0, ReportLimit - (int)_report.Length))]);
                    return;
                }
            }
            int newline = data.IndexOf((byte)'\n');
            var piece = newline < 0 ? data : data[..(newline + 1)];
            data = data[piece.Length..];
            if (_lineStart is null) Forward(piece);
            else
            {
                _lineStart.AddRange(piece);
                var line = CollectionsMarshal.AsSpan(_lineStart);
                if (Begins(line, fatal: true))
                {
                    var report = new MemoryStream();
                    report.Write(line);
                    _reportStarted = Stopwatch.GetTimestamp();
                    lock (_gate) _report = report;
                    _lineStart = null;
                    continue;
                }
                if (Begins(line, fatal: false)) continue;   // too short to tell yet
                Forward(line);
                _lineStart = null;
            }
            if (newline >= 0) _lineStart = [];
        }
    }

    // What was held as a report was not one: it is printed as it came, and relaying goes on.
    private void GiveBack()
    {
        MemoryStream report;
        lock (_gate) (report, _report) = (_report!, null);
        Forward(report.GetBuffer().AsSpan(0, (int)report.Length));
        _lineStart = report.Length > 0 && report.GetBuffer()[report.Length - 1] == '\n' ? [] : null;
    }

    // Whether the line begins with a report's header (fatal), or could still (not fatal: it is that header's start).
    private static bool Begins(ReadOnlySpan<byte> line, bool fatal)
    {
        foreach (var header in FatalHeaders)
            if (fatal ? line.StartsWith(header) : header.AsSpan().StartsWith(line)) return true;
        return false;
    }

    private static void Forward(ReadOnlySpan<byte> bytes)
    {
        var error = ChildConsole.Error;
        try { lock (error) error.Write(bytes); }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { /* nowhere to print: still drain the child's */ }
    }

    // The header and the message lines up to the first frame of the stack, on one line.
    private string? Summary()
    {
        string text;
        lock (_gate)
        {
            if (_report is null) return null;
            text = Encoding.UTF8.GetString(_report.GetBuffer(), 0, (int)_report.Length);
        }
        var lines = text.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .TakeWhile(line => !line.TrimStart().StartsWith("at ", StringComparison.Ordinal))
            .Where(line => line.Trim().Length > 0)
            .Take(10);
        return string.Join(" ", lines.Select(line => line.Trim()));
    }

    private async Task PrintIfUnclaimed()
    {
        await Task.Delay(UnclaimedAfter).ConfigureAwait(false);
        if (Summary() is { } report && Interlocked.Exchange(ref _claimed, 1) == 0)
            Forward(Encoding.UTF8.GetBytes($"Multiproc: child process {_processId} ended: {report}{Environment.NewLine}"));
    }
}
