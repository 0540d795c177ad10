-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
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
    "unplannedAt" DATETIME,
    "unplannedDay" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "createdByMemberId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "FollowUp_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ResourceGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_FollowUp" ("audience", "audienceMemberIds", "createdAt", "createdByMemberId", "goalId", "groupId", "id", "kind", "nextAt", "nextDay", "recurrence", "startDay", "status", "time", "timeZone", "updatedAt") SELECT "audience", "audienceMemberIds", "createdAt", "createdByMemberId", "goalId", "groupId", "id", "kind", "nextAt", "nextDay", "recurrence", "startDay", "status", "time", "timeZone", "updatedAt" FROM "FollowUp";
DROP TABLE "FollowUp";
ALTER TABLE "new_FollowUp" RENAME TO "FollowUp";
CREATE INDEX "FollowUp_status_nextAt_idx" ON "FollowUp"("status", "nextAt");
CREATE INDEX "FollowUp_status_unplannedAt_idx" ON "FollowUp"("status", "unplannedAt");
CREATE INDEX "FollowUp_groupId_idx" ON "FollowUp"("groupId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;


-- Until now nextAt was the next occurrence not yet planned: that is where the planner goes on from.
UPDATE "FollowUp" SET "unplannedAt" = "nextAt", "unplannedDay" = "nextDay" WHERE "status" = 'active';
