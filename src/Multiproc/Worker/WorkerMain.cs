using System;
using System.Diagnostics;
using System.Management.Automation.Host;
using Multiproc.Ipc;
using Multiproc.Processes;

namespace Multiproc.Worker;

/// <summary>The entry point of a child: connect back, wait for a job, run it, report, exit.</summary>
/// <remarks>Called by the child's bootstrap command on the console host's pipeline thread.</remarks>
public static class WorkerMain
{
    /// <summary>This child's own MpProcess view once it has a job; null in a process that is not a child.</summary>
    internal static MpProcess? Current { get; private set; }

    /// <summary>Runs the child with the console host given; returns its exit code. Not for use from scripts.</summary>
    public static int Run(PSHost host)
    {
        // The parent writes the endpoint, the secret and this child's token on stdin, then closes it.
        var endpoint = Console.In.ReadLine();
        var secretText = Console.In.ReadLine();
        var token = Console.In.ReadLine();
        if (endpoint is null || secretText is null || token is null) return 2;
        var secret = Convert.FromBase64String(secretText);
        Session.AdoptSecret(secret);

        Connection link;
        try { link = Connection.Connect(endpoint, secret); }
        catch (MpException) { return 3; }   // the parent session ended while this child started: go quietly
        var hello = new WireWriter();
        new Hello(HelloRole.Child, token, Environment.ProcessId).Write(hello);
        link.Send(FrameType.Hello, hello);

        // A standby waits here until it is given work, or its parent goes.
        if (link.ReadOne() is not { Type: FrameType.Job } job) return 0;
        var spec = JobSpec.Read(new WireReader(job.Body));
        Current = MpProcess.ForCurrent(spec);

        var runner = new JobRunner(spec, link, host);
        link.Closed += _ =>
        {
            // No orphans: a parent that is gone (even by SIGKILL) closes this link; go at once.
            if (!runner.IsFinished) Process.GetCurrentProcess().Kill();
        };
        link.Start(frame =>
        {
            if (frame.Type == FrameType.Stop) runner.Stop();
        }, "Multiproc parent link");

        int exitCode = runner.Run();
        link.Close();
        return exitCode;
    }
}
