namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>Waits for an observable condition, polling, with a deadline and a useful failure message.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met within {timeout}: {describe()}");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(50));
        }
    }
}
