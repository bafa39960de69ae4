using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using Multiproc.Ipc;
using Xunit;

namespace Multiproc.Tests;

[Collection(SessionCollection.Name)]
public sealed class EndpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("multiproc-test-").FullName;
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_sessions_private_directory_is_for_its_owner_only_and_goes_with_the_session()
    {
        if (OperatingSystem.IsWindows()) return;
        var directory = Session.Current.PrivateDirectory;
        try
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(directory));
        }
        finally { Session.EndCurrent(); }
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void A_client_that_proves_the_secret_is_accepted_and_frames_cross()
    {
        using var received = new ManualResetEventSlim();
        Frame? got = null;
        using var endpoint = new Endpoint(Path.Combine(_directory, "e"), _secret, accepted =>
        {
            got = accepted.ReadOne();
            received.Set();
        });

        using var client = Connection.Connect(endpoint.Path, _secret);
        client.Send(FrameType.Output, new byte[] { 42 });

        Assert.True(received.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(FrameType.Output, got!.Value.Type);
        Assert.Equal(new byte[] { 42 }, got.Value.Body);
    }

    [Fact]
    public void A_client_with_the_wrong_secret_is_refused_and_never_reaches_the_session()
    {
        bool accepted = false;
        using var refused = new ManualResetEventSlim();
        using var endpoint = new Endpoint(Path.Combine(_directory, "e"), _secret, _ => accepted = true);
        endpoint.Refused += refused.Set;

        var wrong = RandomNumberGenerator.GetBytes(32);
        Assert.Throws<MpConnectionRefusedException>(() => Connection.Connect(endpoint.Path, wrong));

        Assert.True(refused.Wait(TimeSpan.FromSeconds(10)));
        Assert.False(accepted);
    }
}
