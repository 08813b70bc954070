namespace Msgcode.Core.Config;

/// <summary>The type of a configuration key's value.</summary>
public enum ConfigValueType
{
    String,
    Integer,
    Boolean,
    Enum,
    StringList,
    Url,
    Path,
}
