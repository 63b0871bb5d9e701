using System.Text.Json;
using System.Text.Json.Serialization;

namespace SCOFacts.Domain.Values;

/// <summary>
/// Writes an <see cref="Interval"/> as <c>{ "lower": 20, "upper": null, "lowerClosed": false, "upperClosed": false }</c>.
/// JSON has no infinity, so an unbounded end is null; derived members (width, centre) are not written.
/// </summary>
public sealed class IntervalJsonConverter : JsonConverter<Interval>
{
    public override Interval Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Expected an interval object.");
        }

        double lower = double.NegativeInfinity, upper = double.PositiveInfinity;
        bool lowerClosed = false, upperClosed = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "lower":
                    lower = reader.TokenType == JsonTokenType.Null ? double.NegativeInfinity : reader.GetDouble();
                    break;
                case "upper":
                    upper = reader.TokenType == JsonTokenType.Null ? double.PositiveInfinity : reader.GetDouble();
                    break;
                case "lowerClosed":
                    lowerClosed = reader.GetBoolean();
                    break;
                case "upperClosed":
                    upperClosed = reader.GetBoolean();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new Interval(lower, upper, lowerClosed, upperClosed);
    }

    public override void Write(Utf8JsonWriter writer, Interval value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        WriteEnd(writer, "lower", value.Lower);
        WriteEnd(writer, "upper", value.Upper);
        writer.WriteBoolean("lowerClosed", value.LowerClosed);
        writer.WriteBoolean("upperClosed", value.UpperClosed);
        writer.WriteEndObject();
    }

    private static void WriteEnd(Utf8JsonWriter writer, string name, double end)
    {
        if (double.IsInfinity(end))
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, end);
        }
    }
}
