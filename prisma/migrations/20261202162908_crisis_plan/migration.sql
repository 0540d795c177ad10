-- AlterTable
ALTER TABLE "Member" ADD COLUMN "crisisPlanAccess" BOOLEAN;

-- AlterTable
ALTER TABLE "CrisisPlanVersion" ADD COLUMN "section" TEXT;

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN "conversationId" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CrisisPlan" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "groupId" TEXT NOT NULL,
    "currentVersion" INTEGER NOT NULL DEFAULT 0,
    "reviewedAt" DATETIME,
    "reviewedByMemberId" TEXT,
    "reviewIntervalMonths" INTEGER NOT NULL DEFAULT 6,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "CrisisPlan_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ResourceGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_CrisisPlan" ("createdAt", "currentVersion", "groupId", "id", "updatedAt") SELECT "createdAt", "currentVersion", "groupId", "id", "updatedAt" FROM "CrisisPlan";
DROP TABLE "CrisisPlan";
ALTER TABLE "new_CrisisPlan" RENAME TO "CrisisPlan";
CREATE UNIQUE INDEX "CrisisPlan_groupId_key" ON "CrisisPlan"("groupId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

