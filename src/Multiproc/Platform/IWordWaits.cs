namespace Multiproc.Platform;

/// <summary>Sleeping on a word of shared memory until another process changes it.</summary>
internal unsafe interface IWordWaits
{
    /// <summary>Sleeps while <paramref name="word"/> holds <paramref name="expected"/>, at most <paramref name="milliseconds"/>; may return early.</summary>
    void WaitWhile(int* word, int expected, int milliseconds);

    /// <summary>Wakes up to <paramref name="count"/> sleepers on <paramref name="word"/>, where sleepers can be woken.</summary>
    void WakeUp(int* word, int count);
}
