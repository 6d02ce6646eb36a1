using System.Text.Json;
using Dispatch.Domain;

namespace Dispatch.Domain.Tests;

public class LabelTests
{
    private static readonly Type[] Enumerations =
    [
        .. typeof(Incident).Assembly.GetExportedTypes().Where(t => t.IsEnum),
    ];

    private static bool IsChinese(string text) => text.Any(c => c >= 0x3400 && c <= 0x9FFF);

    private static readonly System.Reflection.MethodInfo Of = typeof(Labels)
        .GetMethods()
        .Single(m => m.Name == nameof(Labels.Of) && m.IsGenericMethod);

    [Fact]
    public void Every_value_of_every_enumeration_of_the_domain_has_words_in_both_languages()
    {
        Assert.True(Enumerations.Length >= 20, $"only {Enumerations.Length} enumerations found");
        foreach (var type in Enumerations)
            foreach (Enum value in Enum.GetValues(type))
            {
                var label = (Label)Of.MakeGenericMethod(type).Invoke(null, [value])!;
                Assert.True(IsChinese(label.Zh), $"{type.Name}.{value}: '{label.Zh}' is not Chinese");
                Assert.False(
                    string.IsNullOrWhiteSpace(label.En) || IsChinese(label.En),
                    $"{type.Name}.{value}: '{label.En}'"
                );
            }
    }

    [Fact]
    public void Every_kind_of_timeline_event_has_words_in_both_languages()
    {
        var kinds = Labels.EventKindNames.ToList();
        Assert.Equal(
            typeof(IncidentEvent).Assembly.GetTypes().Count(t => t.IsSubclassOf(typeof(IncidentEvent))),
            kinds.Count
        );
        Assert.All(
            kinds,
            k => Assert.True(IsChinese(Labels.OfEventKind(k).Zh) && !IsChinese(Labels.OfEventKind(k).En), k)
        );
        Assert.Equal(new Label("派遣", "Dispatched"), Labels.Of(new IncidentDispatched("GREEN", [], false)));
        Assert.Equal(new Label("退单", "Returned"), Labels.Of(new AssignmentReturned("GREEN")));
        Assert.Equal(new Label("催办", "Urged"), Labels.Of(new IncidentUrged(null, "快")));
        Assert.Equal(new Label("改类", "Reclassified"), Labels.OfEventKind("reclassified"));
    }

    [Fact]
    public void The_priority_words_are_the_catalog_s()
    {
        foreach (var (priority, cls) in Desk.Catalog.Priorities)
            Assert.Equal(new Label(cls.Zh, cls.En), Labels.Of(priority));
    }

    [Fact]
    public void Vocabularies_are_keyed_by_the_codes_that_travel_in_json()
    {
        var vocabularies = Labels.Vocabularies;
        Assert.Equal("催办", vocabularies["incidentAction"]["urge"].Zh);
        Assert.Equal("处置中", vocabularies["incidentState"]["InProgress"].Zh);
        Assert.Equal("\"InProgress\"", JsonSerializer.Serialize(IncidentState.InProgress));
        Assert.Equal("Urged", vocabularies["eventKind"]["urged"].En);
        Assert.Equal(Enumerations.Length + 1, vocabularies.Count);
    }

    [Fact]
    public void An_allowance_reads_in_words_and_a_language_tag_picks_the_words()
    {
        Assert.Equal(new Label("2 工作日", "2 working days"), Labels.Of(Allowance.Parse("2wd")));
        Assert.Equal("30 minutes", Labels.Of(Allowance.Parse("30m")).In("en-GB"));
        Assert.Equal("30 分钟", Labels.Of(Allowance.Parse("30m")).In("zh-CN"));
        Assert.Equal("逾期", Labels.Of(EscalationLevel.Overdue).In(null));
    }
}
