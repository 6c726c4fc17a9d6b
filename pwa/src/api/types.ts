// The API's types, named once. Each is the server's contract as
// schema.d.ts has it, generated from server/internal/httpapi/openapi.json by
// `npm run gen:api`: the modules that read the API (the dashboard, the
// administration screens) import these and write no copies of their own.
import type { components } from './schema';

type Schemas = components['schemas'];

export type Id = Schemas['Id'];
export type Role = Schemas['Role'];
export type RoleGrant = Schemas['RoleGrant'];
export type User = Schemas['User'];
export type UserList = Schemas['UserList'];
export type CreateUserRequest = Schemas['CreateUserRequest'];
export type UpdateUserRequest = Schemas['UpdateUserRequest'];
export type Device = Schemas['Device'];
export type DeviceList = Schemas['DeviceList'];

/** GET /me: the caller, the schools their grants cover, and their district. */
export type Me = Schemas['Me'];
export type District = Schemas['District'];
export type DistrictSettings = Schemas['DistrictSettings'];
export type UpdateDistrictRequest = Schemas['UpdateDistrictRequest'];
export type IdentityProvider = Schemas['IdentityProvider'];
export type IdentityProviderChange = Schemas['IdentityProviderChange'];
export type SSOButton = Schemas['SSOButton'];

export type School = Schemas['School'];
export type SchoolList = Schemas['SchoolList'];
export type Teacher = Schemas['Teacher'];
export type TeacherList = Schemas['TeacherList'];

export type RubricStatus = Schemas['RubricStatus'];
export type RubricSummary = Schemas['RubricSummary'];
export type RubricVersionSummary = Schemas['RubricVersionSummary'];
export type RubricList = Schemas['RubricList'];
export type RubricVersion = Schemas['RubricVersion'];
export type Framework = Schemas['Framework'];
export type Assignment = Schemas['Assignment'];
export type FrameworkReach = Schemas['FrameworkReach'];

export type Observation = Schemas['Observation'];
export type ObservationList = Schemas['ObservationList'];

export type Trend = Schemas['Trend'];
export type TrendCell = Schemas['TrendCell'];
export type CoverageItem = Schemas['CoverageItem'];
export type CoverageList = Schemas['CoverageList'];

export type AuditEntry = Schemas['AuditEntry'];
export type AuditList = Schemas['AuditList'];
export type MailboxMessage = Schemas['MailboxMessage'];
export type MailboxMessageList = Schemas['MailboxMessageList'];
export type Job = Schemas['Job'];
export type JobList = Schemas['JobList'];
export type MessagePreferences = Schemas['MessagePreferences'];
export type Unsubscribed = Schemas['Unsubscribed'];

export type ImportCounts = Schemas['ImportCounts'];
export type ImportReport = Schemas['ImportReport'];
export type RosterProblem = Schemas['RosterProblem'];
export type ImportDeactivation = Schemas['ImportDeactivation'];
export type UndoReport = Schemas['UndoReport'];

/** A page of a list: every list of the API answers this shape. */
export interface Page<T> {
  items: T[];
  /** Sent back as `cursor` for the next page; empty when more is false. */
  cursor: string;
  more: boolean;
}
