using System;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace Multiproc.Worker;

/// <summary>Draws a child's Write-Host output on its console, which it shares with its parent.</summary>
internal static class HostOutput
{
    /// <summary>
    /// Whether this child's standard output is a pipe its parent copies to a terminal: the console host
    /// then draws no colours (it sees no terminal), so they are drawn here, as escape sequences.
    /// </summary>
    public static bool ReachesTerminal { get; set; }

    /// <param name="prefix">Put before each line (Invoke-MpPool -HostPrefix); null for none.</param>
    /// <param name="midLine">Whether the last text drawn ended without a new line (Write-Host -NoNewline); kept up to date.</param>
    public static void Draw(PSHost host, InformationRecord record, string? prefix, ref bool midLine)
    {
        var ui = host.UI;
        var message = record.MessageData as HostInformationMessage;
        var text = message?.Message ?? record.MessageData?.ToString() ?? "";
        bool noNewLine = message?.NoNewLine == true;
        if (prefix is not null) text = (midLine ? "" : prefix) + text.Replace("\n", "\n" + prefix);
        midLine = noNewLine;
        // The line and its end in one write (WriteLine makes two): other processes print to the same console at once.
        if (!noNewLine) text += Environment.NewLine;
        if (message?.ForegroundColor is not { } fg) ui.Write(text);
        else if (ReachesTerminal) ui.Write(InColour(text, Chosen(fg, ui.RawUI.ForegroundColor), Chosen(message.BackgroundColor, ui.RawUI.BackgroundColor)));
        else ui.Write(fg, message.BackgroundColor ?? ui.RawUI.BackgroundColor, text);
    }

    // Write-Host gives the host's colours when none is chosen; the host of a child that sees no terminal
    // knows none (-1), and any other colour it gives is its default.
    private static ConsoleColor? Chosen(ConsoleColor? colour, ConsoleColor hostDefault) =>
        colour is { } c && c != hostDefault && c >= ConsoleColor.Black && c <= ConsoleColor.White ? c : null;

    // The SGR sequences .NET writes for the 16 console colours; the colours end before the line does, so a
    // background does not fill the next line.
    private static string InColour(string text, ConsoleColor? foreground, ConsoleColor? background)
    {
        if (foreground is null && background is null) return text;
        int end = text.EndsWith(Environment.NewLine, StringComparison.Ordinal) ? text.Length - Environment.NewLine.Length : text.Length;
        var start = (foreground is { } fg ? $"\x1b[{Sgr(fg, 30)}m" : "") + (background is { } bg ? $"\x1b[{Sgr(bg, 40)}m" : "");
        return start + text[..end] + "\x1b[39;49m" + text[end..];
    }

    private static int Sgr(ConsoleColor colour, int normalBase)
    {
        // ConsoleColor's order: Black, DarkBlue, DarkGreen, DarkCyan, DarkRed, DarkMagenta, DarkYellow, Gray, then the bright ones.
        ReadOnlySpan<int> ansi = [0, 4, 2, 6, 1, 5, 3, 7];
        int index = (int)colour;
        return index < 8 ? normalBase + ansi[index] : normalBase + 60 + ansi[index - 8];
    }
}
