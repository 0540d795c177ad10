-- The old FollowUp rows were placeholders (agreement_reminder / sip_review with a bare dueAt, written only by
-- the demo): agreement reminders are now planned from the agreements themselves, so they are dropped
-- rather than given a made-up wall-clock schedule.
DELETE FROM "FollowUp";

-- AlterTable
ALTER TABLE "ConversationReference" ADD COLUMN "userId" TEXT;

-- CreateTable
CREATE TABLE "Reminder" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "groupId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "occurrenceKey" TEXT NOT NULL,
    "agreementId" TEXT,
    "followUpId" TEXT,
    "memberId" TEXT,
    "destination" TEXT NOT NULL,
    "dueAt" DATETIME NOT NULL,
    "sendAfter" DATETIME NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sentAt" DATETIME,
    "outcome" TEXT,
    "snoozedFromId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Reminder_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ResourceGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Reminder_followUpId_fkey" FOREIGN KEY ("followUpId") REFERENCES "FollowUp" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SendLease" (
    "destination" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "until" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ResourceGroup" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "conversationId" TEXT NOT NULL,
    "conversationType" TEXT NOT NULL,
    "tenantId" TEXT,
    "teamId" TEXT,
    "channelId" TEXT,
    "individualAlias" TEXT NOT NULL,
    "caseManagementModel" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'sv',
    "timeZone" TEXT NOT NULL DEFAULT 'Europe/Stockholm',
    "workDays" TEXT NOT NULL DEFAULT '1,2,3,4,5',
    "workdayStartMinute" INTEGER NOT NULL DEFAULT 480,
    "workdayEndMinute" INTEGER NOT NULL DEFAULT 1020,
    "reminderLeadDays" INTEGER NOT NULL DEFAULT 1,
    "escalateAfterDays" INTEGER NOT NULL DEFAULT 3,
    "weeklyDigest" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_ResourceGroup" ("caseManagementModel", "channelId", "conversationId", "conversationType", "createdAt", "id", "individualAlias", "locale", "teamId", "tenantId", "timeZone", "updatedAt") SELECT "caseManagementModel", "channelId", "conversationId", "conversationType", "createdAt", "id", "individualAlias", "locale", "teamId", "tenantId", "timeZone", "updatedAt" FROM "ResourceGroup";
DROP TABLE "ResourceGroup";
ALTER TABLE "new_ResourceGroup" RENAME TO "ResourceGroup";
CREATE UNIQUE INDEX "ResourceGroup_conversationId_key" ON "ResourceGroup"("conversationId");
CREATE TABLE "new_Member" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "groupId" TEXT NOT NULL,
    "teamsUserId" TEXT,
    "aadObjectId" TEXT,
    "displayName" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "principal" TEXT NOT NULL,
    "organisation" TEXT,
    "isIndividual" BOOLEAN NOT NULL DEFAULT false,
    "isCaseManager" BOOLEAN NOT NULL DEFAULT false,
    "consentRecordedAt" DATETIME,
    "consentRecordedBy" TEXT,
    "consentWithdrawnAt" DATETIME,
    "removedAt" DATETIME,
    "personalDigest" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Member_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ResourceGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Member" ("aadObjectId", "consentRecordedAt", "consentRecordedBy", "consentWithdrawnAt", "createdAt", "displayName", "groupId", "id", "isCaseManager", "isIndividual", "organisation", "principal", "removedAt", "role", "teamsUserId", "updatedAt") SELECT "aadObjectId", "consentRecordedAt", "consentRecordedBy", "consentWithdrawnAt", "createdAt", "displayName", "groupId", "id", "isCaseManager", "isIndividual", "organisation", "principal", "removedAt", "role", "teamsUserId", "updatedAt" FROM "Member";
DROP TABLE "Member";
ALTER TABLE "new_Member" RENAME TO "Member";
CREATE INDEX "Member_aadObjectId_idx" ON "Member"("aadObjectId");
CREATE UNIQUE INDEX "Member_groupId_aadObjectId_key" ON "Member"("groupId", "aadObjectId");
CREATE UNIQUE INDEX "Member_groupId_teamsUserId_key" ON "Member"("groupId", "teamsUserId");
CREATE TABLE "new_FollowUp" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "groupId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "goalId" TEXT,
    "startDay" TEXT NOT NULL,
    "time" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "recurrence" TEXT NOT NULL DEFAULT 'once',
    "audience" TEXT NOT NULL DEFAULT 'channel',
    "audienceMemberIds" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "nextAt" DATETIME,
    "nextDay" TEXT,
    "createdByMemberId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "FollowUp_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ResourceGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_FollowUp" ("createdAt", "createdByMemberId", "groupId", "id", "kind", "status", "updatedAt") SELECT "createdAt", "createdByMemberId", "groupId", "id", "kind", "status", "updatedAt" FROM "FollowUp";
DROP TABLE "FollowUp";
ALTER TABLE "new_FollowUp" RENAME TO "FollowUp";
CREATE INDEX "FollowUp_status_nextAt_idx" ON "FollowUp"("status", "nextAt");
CREATE INDEX "FollowUp_groupId_idx" ON "FollowUp"("groupId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Reminder_occurrenceKey_key" ON "Reminder"("occurrenceKey");

-- CreateIndex
CREATE INDEX "Reminder_status_sendAfter_idx" ON "Reminder"("status", "sendAfter");

-- CreateIndex
CREATE INDEX "Reminder_destination_status_sendAfter_idx" ON "Reminder"("destination", "status", "sendAfter");

-- CreateIndex
CREATE INDEX "Reminder_agreementId_idx" ON "Reminder"("agreementId");

-- CreateIndex
CREATE INDEX "ConversationReference_userId_idx" ON "ConversationReference"("userId");

