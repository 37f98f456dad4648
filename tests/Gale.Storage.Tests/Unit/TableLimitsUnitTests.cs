using Azure.Data.Tables;
using Gale.Storage.Tables;

namespace Gale.Storage.Tests.Unit;

public sealed class TableLimitsUnitTests
{
    [Theory]
    [InlineData("a/b", 0x2F)]
    [InlineData("a\\b", 0x5C)]
    [InlineData("a#b", 0x23)]
    [InlineData("a?b", 0x3F)]
    [InlineData("a\tb", 0x09)]
    [InlineData("a\u007Fb", 0x7F)]
    [InlineData("a\u0085b", 0x85)]
    public void ValidateKey_ForbiddenCharacter_NamesCharacterAndPosition(string key, int codePoint)
    {
        var e = Assert.Throws<ArgumentException>(() => TableLimits.ValidateKey(key, "RowKey", "runs"));

        Assert.Contains($"U+{codePoint:X4} at position 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("Table 'runs': RowKey", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateKey_TooLong_Rejected()
    {
        TableLimits.ValidateKey(new string('k', TableLimits.MaxKeyChars), "PartitionKey", "t");

        var e = Assert.Throws<ArgumentException>(() => TableLimits.ValidateKey(new string('k', TableLimits.MaxKeyChars + 1), "PartitionKey", "t"));

        Assert.Contains("513 characters; the limit is 512", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1abc", "must start with a letter")]
    [InlineData("has space", "must start with a letter")]
    [InlineData("ETag", "system property")]
    [InlineData("N123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345", "1 to 255 characters")]
    public void ValidateEntity_BadPropertyName_Rejected(string name, string expected)
    {
        var entity = new TableEntity("p", "r") { [name] = 1 };

        var e = Assert.Throws<ArgumentException>(() => TableLimits.ValidateEntity(entity, "t"));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ValidateEntity_NonFiniteDouble_RejectedNamingTheProperty(double value)
    {
        var e = Assert.Throws<ArgumentException>(() => TableLimits.ValidateEntity(new TableEntity("p", "r") { ["Ratio"] = value }, "t"));

        Assert.Contains("property 'Ratio'", e.Message, StringComparison.Ordinal);
        Assert.Contains("no NaN or infinity", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateEntity_UnsupportedType_NamesPropertyAndType()
    {
        var e = Assert.Throws<ArgumentException>(() => TableLimits.ValidateEntity(new TableEntity("p", "r") { ["Price"] = 1.5m }, "t"));

        Assert.Contains("property 'Price' has type Decimal", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateEntity_UnspecifiedDateTime_Rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => TableLimits.ValidateEntity(new TableEntity("p", "r") { ["At"] = new DateTime(2024, 1, 1) }, "t"));

        Assert.Contains("unspecified kind", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateEntity_DateBefore1601_Rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => TableLimits.ValidateEntity(new TableEntity("p", "r") { ["At"] = new DateTimeOffset(1600, 12, 31, 0, 0, 0, TimeSpan.Zero) }, "t"));

        Assert.Contains("from 1601-01-01", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateEntity_TooManyProperties_Rejected()
    {
        var entity = new TableEntity("p", "r");
        for (var i = 0; i <= TableLimits.MaxProperties; i++) entity[$"P{i}"] = i;

        var e = Assert.Throws<ArgumentException>(() => TableLimits.ValidateEntity(entity, "t"));

        Assert.Contains("253 properties; the limit is 252", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("o'brien", "'o''brien'")]
    [InlineData(42, "42")]
    [InlineData(42L, "42L")]
    [InlineData(true, "true")]
    [InlineData(2.0, "2")]
    [InlineData(0.5, "0.5")]
    public void Literal_Values_AreODataLiterals(object value, string expected) =>
        Assert.Equal("V eq " + expected, TableClient.CreateQueryFilter($"V eq {value}"));

    [Fact]
    public void Create_InterpolatedFilter_QuotesEveryArgument()
    {
        var when = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)).AddTicks(1234500);
        var id = Guid.Parse("8c1f7d2e-0000-4000-8000-000000000001");

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {"it's"} and At lt {when} and Id eq {id}");

        Assert.Equal("PartitionKey eq 'it''s' and At lt datetime'2024-01-02T02:04:05.12345Z' and Id eq guid'8c1f7d2e-0000-4000-8000-000000000001'", filter);
    }
}
