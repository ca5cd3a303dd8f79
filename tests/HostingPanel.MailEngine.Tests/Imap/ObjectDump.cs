using System.Collections;
using System.Reflection;
using System.Text;

namespace HostingPanel.MailEngine.Tests.Imap;

/// <summary>Writes any parsed record as text, deep, so two parses compare with one Assert.Equal.</summary>
internal static class ObjectDump
{
    public static string Of(object? value)
    {
        var builder = new StringBuilder();
        Write(builder, value, 0);
        return builder.ToString();
    }

    private static void Write(StringBuilder b, object? value, int depth)
    {
        if (depth > 64)
        {
            b.Append("...");
            return;
        }

        switch (value)
        {
            case null:
                b.Append("null");
                return;
            case string s:
                b.Append('"').Append(s).Append('"');
                return;
            case ReadOnlyMemory<byte> m:
                b.Append("bytes:").Append(Encoding.UTF8.GetString(m.Span));
                return;
            case IEnumerable e:
                b.Append('[');
                foreach (var item in e)
                {
                    Write(b, item, depth + 1);
                    b.Append(',');
                }

                b.Append(']');
                return;
        }

        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is DateTimeOffset or DateOnly or decimal)
        {
            b.Append(value);
            return;
        }

        b.Append(type.Name).Append('{');
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract")
            {
                continue;
            }

            b.Append(property.Name).Append('=');
            Write(b, property.GetValue(value), depth + 1);
            b.Append(';');
        }

        b.Append('}');
    }
}
