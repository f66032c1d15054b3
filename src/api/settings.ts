import { sqlFunction } from '../sqlapi';

/**
 * Setting walrus.* values the way a DBA sets a real parameter: validated at once by the rules every cycle applies
 * (walrus.parse_setting through the declarations of src/settings.ts), written with ALTER SYSTEM, reloaded.
 *
 * Both functions are SECURITY DEFINER: ALTER SYSTEM must run over a loopback dblink connection, and dblink refuses
 * password-less connections to non-superusers. EXECUTE is revoked from PUBLIC as on every function, and inside, the
 * session's login role (session_user; a SECURITY DEFINER function cannot see the role that called it, and SET ROLE
 * cannot raise session_user) must be a superuser or hold ALTER SYSTEM on that very parameter. So delegating takes
 * two grants: EXECUTE on the function, and GRANT ALTER SYSTEM ON PARAMETER walrus.x for each setting.
 */
export const SETTING_FUNCTIONS = [
  sqlFunction({
    name: 'walrus_set',
    args: [
      { name: 'name', type: 'text' },
      { name: 'value', type: 'text' },
    ],
    returns: 'text',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    securityDefiner: true,
    doc:
      'Sets a walrus.* setting server-wide, like ALTER SYSTEM SET plus pg_reload_conf(), in any session: validates ' +
      'the value first by the rules every cycle uses (an invalid value is an error naming the setting, the value and ' +
      'the valid range, and nothing is written). NULL removes the setting (ALTER SYSTEM RESET). For superusers, and ' +
      'for roles with EXECUTE on this function whose login role holds ALTER SYSTEM on that parameter. Returns the value.',
    body: `
DECLARE
  wanted text := lower(btrim(name));
  setting walrus.setting_declaration;
  checked record;
  caller_is_superuser boolean := coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user), false);
BEGIN
  IF NOT starts_with(wanted, 'walrus.') THEN
    wanted := 'walrus.' || wanted;
  END IF;
  SELECT * INTO setting FROM walrus.setting_declarations() AS d WHERE d.name = wanted;
  IF setting.name IS NULL THEN
    RAISE EXCEPTION 'pg_walrus: unrecognized setting %', walrus.quote_value(name)
      USING ERRCODE = 'undefined_object',
            DETAIL = 'Valid names: ' || (SELECT string_agg(d.name, ', ' ORDER BY d.ord) FROM walrus.setting_declarations() AS d) || '.';
  END IF;
  -- has_parameter_privilege() is true for superusers; session_user because current_user is this function's owner.
  IF NOT has_parameter_privilege(session_user, setting.name, 'ALTER SYSTEM') THEN
    RAISE EXCEPTION 'pg_walrus: permission denied to set %', setting.name
      USING ERRCODE = 'insufficient_privilege',
            HINT = format('A superuser can run GRANT ALTER SYSTEM ON PARAMETER %s TO %I.', setting.name, session_user);
  END IF;
  IF value IS NOT NULL THEN
    checked := walrus.evaluate_setting(setting, value);
    IF checked.error IS NOT NULL THEN
      -- shown is masked for a connection string and cut short when long: the message never carries a password.
      RAISE EXCEPTION 'pg_walrus: invalid value % for %: %', walrus.quote_value(checked.shown), setting.name, checked.error
        USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Nothing was written.';
    END IF;
  END IF;
  -- The connection string a cycle would use: the server's, never one this session SET, unless the session belongs to
  -- a superuser (as for walrus_analyze()).
  PERFORM walrus.alter_system(setting.name, value, (walrus.read_config(false, caller_is_superuser)).conninfo);
  RETURN value;
END;`,
  }),
  sqlFunction({
    name: 'walrus_reset_setting',
    args: [{ name: 'name', type: 'text' }],
    returns: 'void',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    securityDefiner: true,
    doc:
      'Removes a walrus.* setting from postgresql.auto.conf (ALTER SYSTEM RESET) and reloads: walrus_set(name, NULL), ' +
      'with the same privileges.',
    body: `
BEGIN
  PERFORM @extschema@.walrus_set(name, NULL);
END;`,
  }),
];
