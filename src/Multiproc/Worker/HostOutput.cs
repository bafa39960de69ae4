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
            if (message.ForegroundColor is { } fg)
                ui.Write(fg, message.BackgroundColor ?? ui.RawUI.BackgroundColor, message.Message);
            else
                ui.Write(message.Message);
            if (message.NoNewLine != true) ui.WriteLine();
        }
        else
        {
            ui.WriteLine(record.MessageData?.ToString() ?? "");
        }
    }
}
