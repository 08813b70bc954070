namespace Msgcode.Core.Config;

/// <summary>Configuration layers, lowest first: a higher layer shadows every lower one.</summary>
public enum ConfigLayer
{
    Default = 0,
    State = 1,
    Workspace = 2,
    EnvFile = 3,
    Environment = 4,
}
