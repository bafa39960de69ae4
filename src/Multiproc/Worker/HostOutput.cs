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
            // The line and its end in one write: other processes print to the same console at the same time.
            bool line = message.NoNewLine != true;
            if (message.ForegroundColor is { } fg)
            {
                var bg = message.BackgroundColor ?? ui.RawUI.BackgroundColor;
                if (line) ui.WriteLine(fg, bg, message.Message);
                else ui.Write(fg, bg, message.Message);
            }
            else if (line) ui.WriteLine(message.Message);
            else ui.Write(message.Message);
        }
        else
        {
            ui.WriteLine(record.MessageData?.ToString() ?? "");
        }
    }
}
