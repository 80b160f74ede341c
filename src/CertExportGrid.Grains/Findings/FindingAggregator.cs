namespace CertExportGrid.Grains.Findings;

/// <summary>
/// The stats step of the search for one (dest, subject): count, min and max of event time, per
/// UserData_Xml row and in total. count/min/max commute, so arrival order never matters.
/// </summary>
internal static class FindingAggregator
{
    /// <summary>Folds one new (not duplicate) export into the counts and rows (see <see cref="RecordLastExport"/>).</summary>
    public static void Add(FindingState state, ExportObservation observation)
    {
        var ticks = observation.TimeTicks;
        if (state.Count == 0)
        {
            state.FirstTicks = ticks;
            state.LastTicks = ticks;
        }
        else
        {
            state.FirstTicks = Math.Min(state.FirstTicks, ticks);
            state.LastTicks = Math.Max(state.LastTicks, ticks);
        }

        state.Count++;

        if (!state.Rows.TryGetValue(observation.UserDataXml, out var row))
        {
            row = new RowAggregate { FirstTicks = ticks, LastTicks = ticks, Process = observation.ProcessName, Account = observation.AccountName };
            state.Rows.Add(observation.UserDataXml, row);
        }

        row.Count++;
        row.FirstTicks = Math.Min(row.FirstTicks, ticks);
        row.LastTicks = Math.Max(row.LastTicks, ticks);

    }

    /// <summary>
    /// Of a call's new exports, the one that may become "last export": the greatest event time, and
    /// of equal times the one applied last. Chosen per call, so the details are built once per call,
    /// not once per event; the result is what applying them one at a time would leave.
    /// </summary>
    public static ExportObservation Later(ExportObservation? latest, ExportObservation candidate) =>
        latest is null || candidate.TimeTicks >= latest.TimeTicks ? candidate : latest;

    /// <summary>"Last export" is by event time, not arrival: a late event never hides a newer one.</summary>
    public static void RecordLastExport(FindingState state, ExportObservation latest)
    {
        if (state.LastExport is not null && latest.TimeTicks < state.LastExport.TimeTicks)
        {
            return;
        }

        state.LastExport = new ExportDetails
        {
            ProcessName = latest.ProcessName,
            AccountName = latest.AccountName,
            Thumbprint = latest.Thumbprint,
            Channel = latest.Channel,
            RecordId = latest.RecordId,
            UserSid = latest.UserSid,
            Context = latest.Context,
            TimeTicks = latest.TimeTicks,
        };
        state.LastSubjectNames = latest.SubjectNames;
    }

    /// <summary>Records who sent a counted event: bounded, distinct, most recent last.</summary>
    public static void AddProvenance(FindingState state, string? collector, int maxCollectors)
    {
        if (collector is null)
        {
            return;
        }

        state.LastCollector = collector;
        var collectors = state.Collectors;
        if (collectors.Count > 0 && string.Equals(collectors[^1], collector, StringComparison.Ordinal))
        {
            return;
        }

        collectors.Remove(collector);
        collectors.Add(collector);
        if (collectors.Count > maxCollectors)
        {
            collectors.RemoveRange(0, collectors.Count - maxCollectors);
        }
    }

    public static EventIdentity IdentityOf(ExportObservation observation) =>
        new(observation.ChannelCode, observation.RecordId ?? -1, observation.TimeTicks);
}
