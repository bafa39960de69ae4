using System;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace Multiproc.Worker;

/// <summary>Draws a child's Write-Host output on its console, which it shares with its parent.</summary>
internal static class HostOutput
{
    public static void Draw(PSHost host, InformationRecord record)
    {
        var ui = host.UI;
        if (record.MessageData is HostInformationMessage { } message)
        {
            // The line and its end in one write (WriteLine makes two): other processes print to the same console at once.
            var text = message.NoNewLine == true ? message.Message : message.Message + Environment.NewLine;
            if (message.ForegroundColor is { } fg) ui.Write(fg, message.BackgroundColor ?? ui.RawUI.BackgroundColor, text);
            else ui.Write(text);
        }
        else
        {
            ui.Write((record.MessageData?.ToString() ?? "") + Environment.NewLine);
        }
    }
}
