using System;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace Multiproc.Worker;

/// <summary>Draws a child's Write-Host output on its console, which it shares with its parent.</summary>
internal static class HostOutput
{
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
        if (message?.ForegroundColor is { } fg) ui.Write(fg, message.BackgroundColor ?? ui.RawUI.BackgroundColor, text);
        else ui.Write(text);
    }
}
