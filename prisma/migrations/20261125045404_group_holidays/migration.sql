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
    "observeHolidays" BOOLEAN NOT NULL DEFAULT true,
    "reminderLeadDays" INTEGER NOT NULL DEFAULT 1,
    "escalateAfterDays" INTEGER NOT NULL DEFAULT 3,
    "weeklyDigest" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_ResourceGroup" ("caseManagementModel", "channelId", "conversationId", "conversationType", "createdAt", "escalateAfterDays", "id", "individualAlias", "locale", "reminderLeadDays", "teamId", "tenantId", "timeZone", "updatedAt", "weeklyDigest", "workDays", "workdayEndMinute", "workdayStartMinute") SELECT "caseManagementModel", "channelId", "conversationId", "conversationType", "createdAt", "escalateAfterDays", "id", "individualAlias", "locale", "reminderLeadDays", "teamId", "tenantId", "timeZone", "updatedAt", "weeklyDigest", "workDays", "workdayEndMinute", "workdayStartMinute" FROM "ResourceGroup";
DROP TABLE "ResourceGroup";
ALTER TABLE "new_ResourceGroup" RENAME TO "ResourceGroup";
CREATE UNIQUE INDEX "ResourceGroup_conversationId_key" ON "ResourceGroup"("conversationId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

